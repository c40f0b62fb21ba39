using System;
using System.IO;
using System.IO.Compression;
using static TorchSharp.torch;

namespace Ddf.Cli.Mnist;

/// <summary>The 10,000 real MNIST digits embedded in this program (see Data/README.md).</summary>
internal sealed class MnistDigits
{
    public const int Side = 28;
    private const int Pixels = Side * Side;

    private MnistDigits(byte[] labels, byte[] pixels)
    {
        Labels = labels;
        PixelBytes = pixels;
    }

    /// <summary>Label (0-9) of each digit.</summary>
    public byte[] Labels { get; }

    /// <summary>784 bytes per digit, row-major.</summary>
    public byte[] PixelBytes { get; }

    public int Count => Labels.Length;

    public static MnistDigits LoadEmbedded()
    {
        using var resource = typeof(MnistDigits).Assembly.GetManifestResourceStream("mnist-10k.bin.gz")
            ?? throw new InvalidOperationException("The embedded MNIST digits (mnist-10k.bin.gz) are missing from this build.");
        return Load(resource);
    }

    public static MnistDigits Load(Stream gzipped)
    {
        using var data = new GZipStream(gzipped, CompressionMode.Decompress);
        using var reader = new BinaryReader(data);
        int count = reader.ReadInt32();
        if (count <= 0 || count > 1_000_000)
            throw new InvalidDataException($"MNIST file announces {count} digits.");
        var labels = new byte[count];
        var pixels = new byte[count * Pixels];
        for (int i = 0; i < count; i++)
        {
            labels[i] = reader.ReadByte();
            if (labels[i] > 9)
                throw new InvalidDataException($"digit {i} has label {labels[i]}.");
            try
            {
                data.ReadExactly(pixels, i * Pixels, Pixels);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"MNIST file ends inside digit {i} of {count}.");
            }
        }
        return new MnistDigits(labels, pixels);
    }

    /// <summary>
    /// A deterministic split: every <paramref name="testEvery"/>-th digit (in file order, so about the
    /// same share of every class) is a test digit, the rest train.
    /// </summary>
    public (int[] Train, int[] Test) Split(int testEvery = 5)
    {
        int tests = (Count + testEvery - 1) / testEvery;
        var train = new int[Count - tests];
        var test = new int[tests];
        for (int i = 0, tr = 0, te = 0; i < Count; i++)
        {
            if (i % testEvery == 0)
                test[te++] = i;
            else
                train[tr++] = i;
        }
        return (train, test);
    }

    /// <summary>
    /// A batch of digits as (N, 1, 28, 28) float32 in [0, 1], and their labels as int64. With
    /// <paramref name="shifts"/>, each digit moves by up to <paramref name="maxShift"/> pixels each way
    /// (training augmentation; uncovered pixels are background).
    /// </summary>
    public (Tensor Images, Tensor Labels) Batch(ReadOnlySpan<int> indices, Random? shifts = null, int maxShift = 2)
    {
        var images = new float[indices.Length * Pixels];
        var labels = new long[indices.Length];
        for (int n = 0; n < indices.Length; n++)
        {
            int digit = indices[n];
            labels[n] = Labels[digit];
            int dx = shifts?.Next(-maxShift, maxShift + 1) ?? 0, dy = shifts?.Next(-maxShift, maxShift + 1) ?? 0;
            for (int y = Math.Max(0, dy); y < Math.Min(Side, Side + dy); y++)
            {
                for (int x = Math.Max(0, dx); x < Math.Min(Side, Side + dx); x++)
                    images[n * Pixels + y * Side + x] = PixelBytes[digit * Pixels + (y - dy) * Side + (x - dx)] / 255f;
            }
        }
        return (tensor(images, [indices.Length, 1, Side, Side]), tensor(labels));
    }
}
