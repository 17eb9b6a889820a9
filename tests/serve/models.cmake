# The models nndl-serve's tests serve, written into WORK (needs MNIST, found as the programs find it):
#   mlp.npz   mlp_784_256_64_10, one epoch (the README's network)
#   conv.npz  serve_test_models: conv 20@5x5 relu, max-pool, dense 10 softmax, one epoch on 5,000 images
#   vote.npz  ch6_convnet --preset fc100 --ensemble 2, one epoch each
# Variables: MLP, CH6, HELPER (programs), WORK (a folder).
file(MAKE_DIRECTORY ${WORK})
function(run name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 600)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "${name}: status ${rc}\n${out}${err}")
  endif()
  message("${name}: ok")
endfunction()
run(mlp ${MLP} --epochs 1 --quiet --save ${WORK}/mlp.npz)
run(conv ${HELPER} ${WORK})
run(vote ${CH6} --preset fc100 --standard-data --epochs 1 --ensemble 2 --quiet --save ${WORK}/vote.npz)
