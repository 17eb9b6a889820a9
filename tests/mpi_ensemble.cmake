# An ensemble of 2 over two MPI processes (mpirun -np 2 ch6_convnet) against the same ensemble trained
# in one process (ch6_convnet started alone): both processes train a network, process 0 votes, and the vote, each network's
# report and the saved ensemble's evaluation equal the one-process run's (the same seeds, one thread
# per network). A small preset on 500 images. MNIST: NNDL_DATA when set, else the repository's copy.
set(data ${REPO_DATA})
if(NOT "$ENV{NNDL_DATA}" STREQUAL "")
  set(data $ENV{NNDL_DATA})
elseif(NOT EXISTS "${REPO_DATA}/t10k-labels-idx1-ubyte.gz")
  message(FATAL_ERROR "no MNIST: NNDL_DATA is not set and ${REPO_DATA} lacks the files (git checkout data/mnist)")
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(common --data ${data} --preset fc100 --standard-data --train-size 500 --epochs 2 --ensemble 2 --workers 1 --quiet)
execute_process(COMMAND ${SEQUENTIAL} ${common} --save ${WORK}/one.npz
                RESULT_VARIABLE rc1 OUTPUT_VARIABLE one ERROR_VARIABLE e1 TIMEOUT 300)
execute_process(
  COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe -x OPENBLAS_CORETYPE -x OPENBLAS_NUM_THREADS -np 2 ${PROGRAM}
          ${common} --save ${WORK}/two.npz --checkpoint ${WORK}/ckpt
  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc2 OUTPUT_VARIABLE two ERROR_VARIABLE e2 TIMEOUT 300)
message("one process:\n${one}\ntwo processes:\n${two}")
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "ch6_convnet exited ${rc1}, mpirun ${rc2}:\n${e1}\n${e2}")
endif()
foreach(rank 0 1)
  if(NOT two MATCHES "\\(process ${rank} of 2\\)")
    message(FATAL_ERROR "process ${rank} did not start")
  endif()
endforeach()
if(NOT EXISTS ${WORK}/ckpt/fc100-seed1.ckpt.npz OR NOT EXISTS ${WORK}/ckpt/fc100-seed2.ckpt.npz)
  message(FATAL_ERROR "expected a checkpoint per member in ${WORK}/ckpt")
endif()
# (the lines up to their training time, which differs from run to run)
foreach(line "Network 1: best validation [^\n(]*" "Network 2: best validation [^\n(]*"
             "Ensemble of 2 \\(plurality vote\\): [0-9]+ / 10000")
  string(REGEX MATCH "${line}" a "${one}")
  string(REGEX MATCH "${line}" b "${two}")
  if(a STREQUAL "" OR NOT a STREQUAL b)
    message(FATAL_ERROR "one process said '${a}', two processes '${b}'")
  endif()
endforeach()
string(REGEX MATCH "Ensemble of 2 \\(plurality vote\\): ([0-9]+)" _ "${two}")
set(voted ${CMAKE_MATCH_1})
execute_process(COMMAND ${EVALUATE} --model ${WORK}/two.npz --data ${data} RESULT_VARIABLE rc3 OUTPUT_VARIABLE ev
                ERROR_VARIABLE e3)
if(NOT rc3 EQUAL 0 OR NOT ev MATCHES "Test accuracy: ${voted} / 10000")
  message(FATAL_ERROR "nndl-evaluate on the gathered ensemble (${rc3}): expected ${voted} / 10000:\n${ev}${e3}")
endif()
message("ok: two processes vote ${voted} / 10000, as one process does")
