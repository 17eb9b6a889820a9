# ch6_convnet --checkpoint: a run of 2 epochs continued to 3 gives what 3 epochs straight give;
# a checkpoint of another run (other eta) is refused, naming the file. Needs MNIST, which the program
# finds as usual: NNDL_DATA, the user's folder, then the repository's copy REPO_DATA.
if("$ENV{NNDL_DATA}" STREQUAL "" AND NOT EXISTS "${REPO_DATA}/t10k-labels-idx1-ubyte.gz"
   AND NOT EXISTS "$ENV{HOME}/.local/share/nndl/mnist/t10k-labels-idx1-ubyte.gz")
  message(WARNING "NOT TESTED: no MNIST (NNDL_DATA is not set and ${REPO_DATA} lacks the files: "
                  "git checkout data/mnist)")
  return()
endif()
file(REMOVE_RECURSE ${WORK})
set(common --preset fc100 --train-size 10000 --quiet --blas-threads 1)  # 10,000 images: the checks compare runs
function(run out)
  execute_process(COMMAND ${PROGRAM} ${common} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(${out} "${o}${e}" PARENT_SCOPE)
  set(${out}_rc ${rc} PARENT_SCOPE)
endfunction()
run(straight --epochs 3 --checkpoint ${WORK}/a)
run(first --epochs 2 --checkpoint ${WORK}/b)
run(second --epochs 3 --checkpoint ${WORK}/b)
run(other --epochs 3 --eta 0.2 --checkpoint ${WORK}/b)
foreach(v straight first second)
  if(NOT ${v}_rc EQUAL 0)
    message(FATAL_ERROR "run ${v} failed (${${v}_rc}):\n${${v}}")
  endif()
endforeach()
if(NOT second MATCHES "resuming from [^\n]*fc100-seed1.ckpt.npz after 2 of 3 epochs")
  message(FATAL_ERROR "the second run did not resume:\n${second}")
endif()
string(REGEX MATCH "Network 1: best validation [^(]*" a "${straight}")
string(REGEX MATCH "Network 1: best validation [^(]*" b "${second}")
if(a STREQUAL "" OR NOT a STREQUAL b)
  message(FATAL_ERROR "resumed run differs from the straight run:\n'${a}'\n'${b}'")
endif()
if(other_rc EQUAL 0 OR NOT other MATCHES "fc100-seed1.ckpt.npz: a checkpoint of another run \\(eta is 0.1")
  message(FATAL_ERROR "a checkpoint of another run was not refused (${other_rc}):\n${other}")
endif()
# An ensemble whose first member is that finished run: it is read back (no epochs), the second one
# trains and reports its epochs.
run(vote --epochs 3 --ensemble 2 --checkpoint ${WORK}/b)
if(NOT vote_rc EQUAL 0 OR NOT vote MATCHES "Network 1: resuming from [^\n]*after 3 of 3 epochs"
   OR NOT vote MATCHES "Network 2, epoch 2: [0-9]+ / 10000" OR vote MATCHES "Network 1, epoch"
   OR NOT vote MATCHES "Ensemble of 2 \\(plurality vote\\): [0-9]+ / 10000")
  message(FATAL_ERROR "the ensemble did not reuse the finished run or did not vote (${vote_rc}):\n${vote}")
endif()
string(REGEX MATCH "Network 1: best validation [^(]*" c "${vote}")
if(NOT c STREQUAL b)
  message(FATAL_ERROR "the ensemble's first member differs from the run it was read from:\n'${c}'\n'${b}'")
endif()
message("ok: ${b}")
