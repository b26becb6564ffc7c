/* fuzz_generator.c: libFuzzer target for the book's generator, built with ASan and UBSan
 * (`make fuzz`). The input is an arbitrary chapter file, bytes and all (no NUL termination, no
 * valid UTF-8, any front matter, directives, math, widget and run blocks, cross-references); the
 * generator's fuzzing entry point (scripts/generator/fuzz_entry.c) parses and renders it as the
 * build would, without writing files or starting KaTeX, and reports errors the way the build
 * does. Any crash, sanitizer report, leak or hang is a finding; an error message is not.
 */
#include <stddef.h>
#include <stdint.h>

int mlmbook_fuzz_one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mlmbook_fuzz_one(data, size);
    return 0;
}
