/* Floating point and branches: the Mandelbrot set on a grid, counting
 * iterations (escape-time loop with a data-dependent exit). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int size = argc > 1 ? atoi(argv[1]) : 2800;
    int max_iter = 200;
    long long total = 0, inside = 0;
    for (int py = 0; py < size; py++) {
        double ci = -1.5 + 3.0 * py / size;
        for (int px = 0; px < size; px++) {
            double cr = -2.2 + 3.0 * px / size;
            double zr = 0, zi = 0;
            int it = 0;
            while (it < max_iter && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                it++;
            }
            total += it;
            inside += it == max_iter;
        }
    }
    printf("iterations %lld, inside %lld\n", total, inside);
    return 0;
}
