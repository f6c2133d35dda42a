/* data-in-text-main.o: reads the table in data-in-text.o's .text and calls
 * the function after it.  Link: gcc -static data-in-text-main.o data-in-text.o */
#include <stdio.h>
#include <unistd.h>

int dit_lookup(unsigned i);
long dit_getpid(void);

int main(void)
{
    unsigned sum = 0;
    printf("table:");
    for (unsigned i = 0; i < 8; i++) {
        printf(" %02x", dit_lookup(i));
        sum += dit_lookup(i);
    }
    printf("\nsum: %u\n", sum);
    printf("dit_getpid matches: %s\n", dit_getpid() == getpid() ? "yes" : "no");
    return 0;
}
