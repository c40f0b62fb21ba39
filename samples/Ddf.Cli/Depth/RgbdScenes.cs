using System;
using static TorchSharp.torch;

namespace Ddf.Cli.Depth;

/// <summary>
/// Procedurally generated RGB-D scenes (no NYU-Depth data is reachable from this project's machines):
/// a sloped background plane and a few rectangles and ellipses at their own (sloped) depths, each with
/// its own colour, shaded by depth and with some colour-only texture, so that colour edges usually, but
/// not always, mark depth edges. Depth is in [0, 1].
/// </summary>
internal static class RgbdScenes
{
    public static (Tensor Rgb, Tensor Depth) Generate(int count, int size, int seed)
    {
        var random = new Random(seed);
        var rgb = new float[count * 3 * size * size];
        var depth = new float[count * size * size];
        for (int n = 0; n < count; n++)
        {
            var colour = new float[3];
            double a = 0.6 + 0.3 * random.NextDouble(), bx = (random.NextDouble() - 0.5) * 0.3, by = (random.NextDouble() - 0.5) * 0.3;
            Paint(n, _ => true, (x, y) => a + bx * x + by * y, RandomColour());
            int objects = 3 + random.Next(4);
            for (int o = 0; o < objects; o++)
            {
                double cx = random.NextDouble(), cy = random.NextDouble(), rx = 0.08 + 0.25 * random.NextDouble(), ry = 0.08 + 0.25 * random.NextDouble();
                double d = 0.1 + 0.5 * random.NextDouble(), sx = (random.NextDouble() - 0.5) * 0.2, sy = (random.NextDouble() - 0.5) * 0.2;
                bool ellipse = random.Next(2) == 0;
                Func<(double X, double Y), bool> inside = ellipse
                    ? p => Math.Pow((p.X - cx) / rx, 2) + Math.Pow((p.Y - cy) / ry, 2) <= 1
                    : p => Math.Abs(p.X - cx) <= rx && Math.Abs(p.Y - cy) <= ry;
                Paint(n, inside, (x, y) => d + sx * (x - cx) + sy * (y - cy), RandomColour());
            }
            // Colour-only texture: stripes that change the image but not the depth.
            double frequency = 8 + 16 * random.NextDouble(), strength = 0.08 * random.NextDouble();
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    float stripe = (float)(strength * Math.Sin(frequency * (x + y) / size));
                    for (int c = 0; c < 3; c++)
                        rgb[((n * 3 + c) * size + y) * size + x] += stripe;
                }
            }

            float[] RandomColour()
            {
                for (int c = 0; c < 3; c++)
                    colour[c] = (float)random.NextDouble();
                return (float[])colour.Clone();
            }

            void Paint(int image, Func<(double X, double Y), bool> inside, Func<double, double, double> depthAt, float[] rgbColour)
            {
                for (int y = 0; y < size; y++)
                {
                    for (int x = 0; x < size; x++)
                    {
                        double px = (x + 0.5) / size, py = (y + 0.5) / size;
                        if (!inside((px, py)))
                            continue;
                        float z = (float)Math.Clamp(depthAt(px, py), 0.0, 1.0);
                        depth[(image * size + y) * size + x] = z;
                        for (int c = 0; c < 3; c++)
                            rgb[((image * 3 + c) * size + y) * size + x] = rgbColour[c] * (1.2f - 0.5f * z);
                    }
                }
            }
        }
        return (tensor(rgb, [count, 3, size, size]), tensor(depth, [count, 1, size, size]));
    }
}
