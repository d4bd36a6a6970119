/* tests/bench/apps/hello.c — the smallest app: starts and exits 0. */
int main(void)
{
    return 0;
}
