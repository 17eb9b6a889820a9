# Runs hyperparameter_search under mpirun with 2 processes on a small budget; passes when trials ran on both ranks.
# MNIST: NNDL_DATA when set, else the repository's copy REPO_DATA.
set(data ${REPO_DATA})
if(NOT "$ENV{NNDL_DATA}" STREQUAL "")
  set(data $ENV{NNDL_DATA})
elseif(NOT EXISTS "${REPO_DATA}/t10k-labels-idx1-ubyte.gz")
  message(WARNING "no MNIST (NNDL_DATA is not set and ${REPO_DATA} lacks the files: git checkout data/mnist), "
                  "so the 2-process MPI search was NOT run.")
  return()
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(
  COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe -x OPENBLAS_CORETYPE -x OPENBLAS_NUM_THREADS -np 2 ${PROGRAM}
          --data ${data} --strategy random --budget 4 --epochs 1 --journal ${WORK}/journal --fresh --no-test
          --quiet
  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mpirun failed (${rc}):\n${err}")
endif()
if(NOT out MATCHES "worker 0" OR NOT out MATCHES "worker 1")
  message(FATAL_ERROR "expected trials on both MPI ranks (worker 0 and worker 1)")
endif()
file(STRINGS ${WORK}/journal-random.csv lines)
list(LENGTH lines n)
if(n LESS 5)
  message(FATAL_ERROR "the journal has ${n} lines, expected a header and 4 trials")
endif()
