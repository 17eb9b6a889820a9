# Allocation counting: wrap the C allocation functions of the test executable at link time.
target_link_options(test_allocation PRIVATE
  -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=posix_memalign -Wl,--wrap=aligned_alloc)

# A wrong composition fails to compile with exactly one static_assert in plain words.
file(GLOB nndl_compile_fail_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/*.cpp)
# With g++, the files find <nndl/network.hpp> precompiled, in a folder searched before include/: a
# header there that includes the real one, and its .gch, which g++ takes instead when it fits (it
# then parses the header once for all the files, not once each); the header when it does not.
set(nndl_compile_fail_flags -I${PROJECT_SOURCE_DIR}/include)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(nndl_compile_fail_pch ${CMAKE_CURRENT_BINARY_DIR}/compile_fail_pch)
  file(CONFIGURE OUTPUT ${nndl_compile_fail_pch}/nndl/network.hpp
       CONTENT "#include \"${PROJECT_SOURCE_DIR}/include/nndl/network.hpp\"\n")
  add_custom_command(OUTPUT ${nndl_compile_fail_pch}/nndl/network.hpp.gch
                     COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -I${PROJECT_SOURCE_DIR}/include -x c++-header
                             -MD -MT ${nndl_compile_fail_pch}/nndl/network.hpp.gch
                             -MF ${nndl_compile_fail_pch}/network.d
                             ${nndl_compile_fail_pch}/nndl/network.hpp -o ${nndl_compile_fail_pch}/nndl/network.hpp.gch
                     DEPFILE ${nndl_compile_fail_pch}/network.d
                     COMMENT "Precompiling <nndl/network.hpp> for the compile_fail tests")
  add_custom_target(nndl_compile_fail_pch ALL DEPENDS ${nndl_compile_fail_pch}/nndl/network.hpp.gch)
  set(nndl_compile_fail_flags "-I${nndl_compile_fail_pch} ${nndl_compile_fail_flags}")
endif()
foreach(src IN LISTS nndl_compile_fail_sources)
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME compile_fail.${name}
           COMMAND ${CMAKE_COMMAND} -DCXX=${CMAKE_CXX_COMPILER} -DSRC=${src}
                   "-DFLAGS=${nndl_compile_fail_flags}"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/check.cmake)
endforeach()

# Another project uses nndl: through find_package(nndl) after an install, and through add_subdirectory.
# They are built without optimisation (no build type): they check that nndl's package builds, links and
# runs in someone else's project, not how fast (the CPU time of -O3 goes to the programs here).
set(nndl_consumer_work ${CMAKE_CURRENT_BINARY_DIR}/consumer)
set(nndl_consumer_build_type "")
add_test(NAME consumer.install
         COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${nndl_consumer_work}/prefix)
add_test(NAME consumer.find_package
         COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/consumer
                 ${nndl_consumer_work}/find_package --build-generator ${CMAKE_GENERATOR}
                 --build-options -DCMAKE_PREFIX_PATH=${nndl_consumer_work}/prefix
                                 -DCMAKE_BUILD_TYPE=${nndl_consumer_build_type} -DNNDL_CONSUMER_SPLIT=ON
                 --test-command nndl_consumer_split)
set_tests_properties(consumer.find_package PROPERTIES DEPENDS consumer.install
                     PASS_REGULAR_EXPRESSION
                     "consumer: 784 -> 30 -> 10, 23,860 parameters.*repository's MNIST copy: none")
add_test(NAME consumer.add_subdirectory
         COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/consumer
                 ${nndl_consumer_work}/add_subdirectory --build-generator ${CMAKE_GENERATOR}
                 --build-options -DNNDL_SOURCE_DIR=${PROJECT_SOURCE_DIR}
                                 -DCMAKE_BUILD_TYPE=${nndl_consumer_build_type}
                 --test-command nndl_consumer)
set_tests_properties(consumer.add_subdirectory PROPERTIES
                     PASS_REGULAR_EXPRESSION "consumer: 784 -> 30 -> 10, 23,860 parameters.*repository's MNIST copy: ${PROJECT_SOURCE_DIR}/data/mnist")

# A program that links only nndl::core, with the other parts' packages hidden from CMake, builds,
# trains, links nothing else, and runs with one OpenBLAS thread by default (no setup call).
add_test(NAME consumer.core_only
         COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/consumer_core
                 ${nndl_consumer_work}/core --build-generator ${CMAKE_GENERATOR}
                 --build-options -DCMAKE_PREFIX_PATH=${nndl_consumer_work}/prefix
                                 -DCMAKE_BUILD_TYPE=${nndl_consumer_build_type}
                                 -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON
                 --test-command ${CMAKE_COMMAND} -E env --unset=OPENBLAS_NUM_THREADS ${nndl_consumer_work}/core/nndl_core_consumer)
set_tests_properties(consumer.core_only PROPERTIES DEPENDS consumer.install
                     PASS_REGULAR_EXPRESSION "core consumer: 40 / 40 after training; OpenBLAS .* 1 thread .*one thread by default")
add_test(NAME consumer.core_only_links
         COMMAND ${CMAKE_COMMAND} -DPROGRAM=${nndl_consumer_work}/core/nndl_core_consumer
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer_core/check_links.cmake)
set_tests_properties(consumer.core_only_links PROPERTIES DEPENDS consumer.core_only)

# The nndl-predict program (built with the examples) is run by its own test.
if(TARGET nndl_predict)
  target_compile_definitions(test_predict_tool PRIVATE NNDL_PREDICT_TOOL="$<TARGET_FILE:nndl_predict>")
  add_dependencies(test_predict_tool nndl_predict)
else()
  set_target_properties(test_predict_tool PROPERTIES EXCLUDE_FROM_ALL ON)
endif()

# hyperparameter_search over two MPI processes: both ranks run trials (on NNDL_DATA or the repository's copy).
if(TARGET hyperparameter_search AND NNDL_WITH_MPI)
  find_program(NNDL_MPIRUN mpirun REQUIRED)
  add_test(NAME mpi.search_two_processes
           COMMAND ${CMAKE_COMMAND} -DMPIRUN=${NNDL_MPIRUN} -DPROGRAM=$<TARGET_FILE:hyperparameter_search>
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/mpi
                   -DREPO_DATA=${PROJECT_SOURCE_DIR}/data/mnist -P ${CMAKE_CURRENT_SOURCE_DIR}/mpi_search.cmake)
endif()

# ch6_convnet's ensemble over two MPI processes equals the one-process ensemble (needs MNIST).
if(NNDL_WITH_MPI AND TARGET ch6_convnet AND TARGET nndl_evaluate)
  find_program(NNDL_MPIRUN mpirun REQUIRED)
  add_test(NAME mpi.ch6_ensemble_two_processes
           COMMAND ${CMAKE_COMMAND} -DMPIRUN=${NNDL_MPIRUN} -DPROGRAM=$<TARGET_FILE:ch6_convnet>
                   -DSEQUENTIAL=$<TARGET_FILE:ch6_convnet> -DEVALUATE=$<TARGET_FILE:nndl_evaluate>
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/mpi_ensemble -DREPO_DATA=${PROJECT_SOURCE_DIR}/data/mnist
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/mpi_ensemble.cmake)
endif()

# The overlapped sum of data-parallel training (buckets exchanged while backpropagation goes on)
# equals the blocking one and the sum in rank order, bit for bit, over two MPI processes.
if(NNDL_WITH_MPI AND TARGET nndl::mpi)
  find_program(NNDL_MPIRUN mpirun REQUIRED)
  add_executable(mpi_overlap ${CMAKE_CURRENT_SOURCE_DIR}/mpi_overlap.cpp)
  target_link_libraries(mpi_overlap PRIVATE nndl::mpi nndl_build_flags)
  add_test(NAME mpi.overlapped_sum COMMAND ${NNDL_MPIRUN} --allow-run-as-root --oversubscribe -np 2
                                           $<TARGET_FILE:mpi_overlap>)
  set_tests_properties(mpi.overlapped_sum PROPERTIES LABELS mpi TIMEOUT 60)
endif()

# Data-parallel training: mpirun -np 2 ch1_network --data-parallel equals ch1_network alone, and two
# such runs are the same bit for bit (needs MNIST and python3).
if(NNDL_WITH_MPI AND TARGET ch1_network)
  find_program(NNDL_MPIRUN mpirun REQUIRED)
  add_test(NAME mpi.data_parallel_equals_one_process
           COMMAND ${CMAKE_COMMAND} -DMPIRUN=${NNDL_MPIRUN} -DPROGRAM=$<TARGET_FILE:ch1_network>
                   -DPYTHON=/usr/bin/python3 -DAPART=${CMAKE_CURRENT_SOURCE_DIR}/weights_apart.py
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/mpi_data_parallel -DREPO_DATA=${PROJECT_SOURCE_DIR}/data/mnist
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/mpi_data_parallel.cmake)
  set_tests_properties(mpi.data_parallel_equals_one_process PROPERTIES LABELS mpi TIMEOUT 120
                       ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
  # A process killed by SIGKILL: mpirun ends with a message and a non-zero status, and the last
  # epoch's checkpoint continues with 2 processes (to the uninterrupted run's weights) and with 1.
  find_program(NNDL_BASH bash REQUIRED)
  add_test(NAME mpi.data_parallel_killed_process
           COMMAND ${NNDL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/mpi_kill.sh ${NNDL_MPIRUN} $<TARGET_FILE:ch1_network>
                   /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/weights_apart.py ${PROJECT_SOURCE_DIR}/data/mnist
                   ${CMAKE_CURRENT_BINARY_DIR}/mpi_kill)
  set_tests_properties(mpi.data_parallel_killed_process PROPERTIES LABELS mpi TIMEOUT 180
                       ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
  # Two hosts as network namespaces joined by a veth pair (192.0.2.0/24), mpirun's rsh agent an
  # `ip netns exec` script: the two-host run equals the one-process run. Needs root (else skipped, 77).
  add_test(NAME mpi.data_parallel_two_hosts
           COMMAND ${NNDL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/mpi_two_hosts.sh ${NNDL_MPIRUN} $<TARGET_FILE:ch1_network>
                   /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/weights_apart.py ${PROJECT_SOURCE_DIR}/data/mnist
                   ${CMAKE_CURRENT_BINARY_DIR}/mpi_two_hosts)
  set_tests_properties(mpi.data_parallel_two_hosts PROPERTIES LABELS mpi TIMEOUT 180 SKIP_RETURN_CODE 77
                       ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
endif()

# ch6_convnet continues a run from its checkpoint (needs MNIST).
if(TARGET ch6_convnet)
  add_test(NAME examples.ch6_convnet_resumes
           COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:ch6_convnet> -DWORK=${CMAKE_CURRENT_BINARY_DIR}/ch6_resume
                   -DREPO_DATA=${PROJECT_SOURCE_DIR}/data/mnist -P ${CMAKE_CURRENT_SOURCE_DIR}/ch6_resume.cmake)
endif()

# The training programs and the model tools end to end (needs MNIST; see programs.cmake).
if(TARGET ch1_network AND TARGET ch6_convnet AND TARGET nndl_evaluate AND TARGET ch3_more_data)
  foreach(case save_evaluate ch6_best bad_save diverged interrupted more_data command_line)
    add_test(NAME programs.${case}
             COMMAND ${CMAKE_COMMAND} -DCASE=${case} -DCH1=$<TARGET_FILE:ch1_network> -DCH6=$<TARGET_FILE:ch6_convnet>
                     -DMORE_DATA=$<TARGET_FILE:ch3_more_data>
                     -DEVALUATE=$<TARGET_FILE:nndl_evaluate> -DPYTHON=/usr/bin/python3
                     -DWORK=${CMAKE_CURRENT_BINARY_DIR}/programs/${case} -P ${CMAKE_CURRENT_SOURCE_DIR}/programs.cmake)
  endforeach()
endif()

# nndl-serve (tools/serve): its JSON API against real servers, its page in headless Chromium through
# Selenium, and a load check (tests/serve/). The models are trained first, once (fixture serve_models).
if(TARGET nndl_serve AND TARGET mlp_784_256_64_10 AND TARGET ch6_convnet AND TARGET nndl_predict AND TARGET nndl_evaluate)
  find_package(nlohmann_json REQUIRED)
  find_package(Boost 1.74 REQUIRED)  # nndl_serve_load: a Boost.Beast client
  find_package(Threads REQUIRED)
  add_executable(serve_test_models serve/serve_test_models.cpp)
  target_link_libraries(serve_test_models PRIVATE nndl::nndl nndl_build_flags)
  add_executable(nndl_serve_load serve/serve_load.cpp)
  target_link_libraries(nndl_serve_load PRIVATE nndl_build_flags nndl_cli nlohmann_json::nlohmann_json Boost::headers
                        Threads::Threads)
  # Everything these tests run: cmake --build --preset release --target serve_tests
  add_custom_target(serve_tests DEPENDS nndl_serve nndl_serve_load serve_test_models mlp_784_256_64_10 ch6_convnet
                                        nndl_predict nndl_evaluate)

  set(serve_models ${CMAKE_CURRENT_BINARY_DIR}/serve/models)
  add_test(NAME serve.models
           COMMAND ${CMAKE_COMMAND} -DMLP=$<TARGET_FILE:mlp_784_256_64_10> -DCH6=$<TARGET_FILE:ch6_convnet>
                   -DHELPER=$<TARGET_FILE:serve_test_models> -DWORK=${serve_models}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/serve/models.cmake)
  set_tests_properties(serve.models PROPERTIES FIXTURES_SETUP serve_models ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
  set(serve_env NNDL_SERVE=$<TARGET_FILE:nndl_serve> NNDL_PREDICT=$<TARGET_FILE:nndl_predict>
                NNDL_EVALUATE=$<TARGET_FILE:nndl_evaluate> NNDL_SERVE_MODELS=${serve_models} OPENBLAS_NUM_THREADS=1
                NNDL_SERVE_SCREENSHOT=${CMAKE_CURRENT_BINARY_DIR}/serve/page.png)
  foreach(part api http browser hostile)
    add_test(NAME serve.${part} COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/serve/test_serve_${part}.py)
    set_tests_properties(serve.${part} PROPERTIES FIXTURES_REQUIRED serve_models ENVIRONMENT "${serve_env}" TIMEOUT 300)
  endforeach()
  set_tests_properties(serve.browser PROPERTIES SKIP_RETURN_CODE 77)  # no browser: loud warning, "skipped"
  add_test(NAME serve.load
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/serve/serve_load.py --serve $<TARGET_FILE:nndl_serve>
                   --load $<TARGET_FILE:nndl_serve_load> --requests 2000 --clients 8 ${serve_models}/mlp.npz)
  set_tests_properties(serve.load PROPERTIES FIXTURES_REQUIRED serve_models ENVIRONMENT "${serve_env}" TIMEOUT 300)
endif()
# Every relative link of README.md and docs/*.md resolves (tests/check_links.py tests itself first).
add_test(NAME docs.links COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/check_links.py ${PROJECT_SOURCE_DIR})
# scripts/bench.sh's tools: the figures file, and the comparison that names what got slower (no timing).
add_test(NAME tools.bench_compare
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/bench_tools.py ${PROJECT_SOURCE_DIR}/tools/bench
                 ${CMAKE_CURRENT_BINARY_DIR}/bench_tools)
