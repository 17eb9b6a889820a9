# ONNX both ways against the other side's own software (label "onnx"; needs MNIST):
#   PyTorch (Debian's python3-torch 1.13, /usr/bin/python3) trains and exports a CNN and an MLP that are not
#   nndl's presets, in the ways real exporters write them (tests/onnx/torch_models.py, once: fixture onnx_torch);
#   nndl's programs save .onnx files (fixture onnx_nndl); ONNX's checker (python3-onnx) reads what nndl writes;
#   ONNX Runtime (npm's onnxruntime-node, scripts/deps_npm.sh, driven by tests/onnx/ort_score.js) scores
#   nndl's exports as nndl-evaluate does; nndl-evaluate, nndl-predict and nndl-serve answer as PyTorch does on
#   its exports; one epoch of nndl SGD fine-tunes PyTorch's CNN (onnx_finetune); what nndl does not implement is
#   refused; nndl-convert round trips. Each test is a case of tests/onnx/onnx_case.py.
# A missing tool (node, onnxruntime-node, python3-torch, python3-onnx) is a loud warning and "skipped", or a
# failure with NNDL_REQUIRE_TOOLS set (scripts/test.sh). Everything these tests run:
#   cmake --build --preset release --target onnx_tests
# Included by tests/CMakeLists.txt.
set(nndl_onnx_programs nndl_convert nndl_evaluate nndl_predict nndl_serve mlp_784_256_64_10 ch6_convnet ch1_network ch3_network2)
set(nndl_onnx_ready ON)
foreach(t IN LISTS nndl_onnx_programs ITEMS nndl::onnx)
  if(NOT TARGET ${t})
    set(nndl_onnx_ready OFF)
    message(WARNING "nndl: the ONNX interop tests (label onnx) are left out: there is no target ${t}")
  endif()
endforeach()

if(nndl_onnx_ready)
  add_executable(onnx_finetune ${CMAKE_CURRENT_LIST_DIR}/finetune.cpp)
  target_link_libraries(onnx_finetune PRIVATE nndl::nndl nndl::onnx nndl_build_flags)
  add_custom_target(onnx_tests DEPENDS onnx_finetune ${nndl_onnx_programs})
  # nndl's side of tests/onnx/bench_ort.sh (a benchmark, not a test).
  add_executable(onnx_bench ${CMAKE_CURRENT_LIST_DIR}/bench_onnx.cpp)
  target_link_libraries(onnx_bench PRIVATE nndl::nndl nndl::onnx nndl_build_flags)

  find_program(NNDL_NODE node)  # none: the tests that need ONNX Runtime say so (or fail, NNDL_REQUIRE_TOOLS)
  if(NOT NNDL_NODE)
    set(NNDL_NODE "")
  endif()
  set(NNDL_NODE_PREFIX "$ENV{NNDL_NODE_PREFIX}")
  if(NNDL_NODE_PREFIX STREQUAL "")
    set(NNDL_NODE_PREFIX ${PROJECT_SOURCE_DIR}/build/node)  # scripts/deps_npm.sh's default
  endif()
  set(onnx_work ${CMAKE_CURRENT_BINARY_DIR}/onnx)
  set(onnx_env ONNX_WORK=${onnx_work} NODE=${NNDL_NODE} NODE_PATH=${NNDL_NODE_PREFIX}/node_modules
               NNDL_CONVERT=$<TARGET_FILE:nndl_convert> NNDL_EVALUATE=$<TARGET_FILE:nndl_evaluate>
               NNDL_PREDICT=$<TARGET_FILE:nndl_predict> NNDL_SERVE=$<TARGET_FILE:nndl_serve>
               NNDL_MLP=$<TARGET_FILE:mlp_784_256_64_10> NNDL_CH6=$<TARGET_FILE:ch6_convnet>
               NNDL_CH1=$<TARGET_FILE:ch1_network> NNDL_CH3=$<TARGET_FILE:ch3_network2>
               NNDL_FINETUNE=$<TARGET_FILE:onnx_finetune> OPENBLAS_NUM_THREADS=1)
  set(onnx_case ${CMAKE_CURRENT_LIST_DIR}/onnx_case.py)

  # name, fixtures required, timeout (s), case and its arguments
  function(nndl_onnx_test name fixtures timeout)
    add_test(NAME onnx.${name} COMMAND /usr/bin/python3 ${onnx_case} ${ARGN})
    set_tests_properties(onnx.${name} PROPERTIES LABELS onnx TIMEOUT ${timeout} ENVIRONMENT "${onnx_env}"
                                                 SKIP_RETURN_CODE 77)
    if(fixtures)
      set_tests_properties(onnx.${name} PROPERTIES FIXTURES_REQUIRED "${fixtures}")
    endif()
  endfunction()

  # The fixtures, side by side: PyTorch's files (45 to 100 s on 2 busy cores) and nndl's (30 to 50 s).
  nndl_onnx_test(torch_models "" 600 torch_fixture)
  set_tests_properties(onnx.torch_models PROPERTIES FIXTURES_SETUP onnx_torch)
  nndl_onnx_test(nndl_models "" 600 nndl_fixture)
  set_tests_properties(onnx.nndl_models PROPERTIES FIXTURES_SETUP onnx_nndl)

  # onnx.checker (full_check) on every file nndl writes.
  nndl_onnx_test(checker "onnx_torch;onnx_nndl" 300 check_nndl)

  # ONNX Runtime against nndl-evaluate: nndl's exports (all but relu are double; dropout's is Dropout + Mul),
  # and PyTorch's CNN and dropout/identity MLP as nndl writes them again.
  foreach(f mlp relu ch1 dropout book)
    nndl_onnx_test(ort.${f} "onnx_nndl" 300 ort nndl/${f}.onnx)
  endforeach()
  foreach(f cnn_op17 mlp_dropout_identity_op13)
    nndl_onnx_test(ort.torch_${f} "onnx_torch" 300 ort torch/${f}.onnx)
  endforeach()

  # nndl-evaluate on each PyTorch export (the list of tests/onnx/torch_models.py); mlp_view_dynamic may be refused.
  foreach(f cnn_op13 cnn_op17 cnn_float_data_op17 mlp_op13 mlp_op17 mlp_matmul_op13 mlp_reshape_constant_op13
            mlp_reshape_initializer_op17 mlp_softmax_op17 mlp_dropout_identity_op13 mlp_view_dynamic_op13)
    nndl_onnx_test(torch.${f} "onnx_torch" 300 torch ${f}.onnx)
  endforeach()
  nndl_onnx_test(torch_serve "onnx_torch" 300 torch_serve)
  nndl_onnx_test(finetune "onnx_torch" 600 finetune)

  # What nndl does not implement: exit 2, naming the file, the node, its operation and the attribute.
  foreach(f conv_pads_op13 conv_strides_op17 batchnorm_op13 dropout_training_op13)
    nndl_onnx_test(refused.${f} "onnx_torch" 120 refused refused_${f}.onnx)
  endforeach()

  nndl_onnx_test(convert "onnx_torch;onnx_nndl" 300 convert)
endif()
