# Allocation counting: wrap the C allocation functions of the test executable at link time.
target_link_options(test_allocation PRIVATE
  -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=posix_memalign -Wl,--wrap=aligned_alloc)
