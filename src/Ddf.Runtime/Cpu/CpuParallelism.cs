using System;
using System.Threading.Tasks;

namespace Ddf.Runtime;

/// <summary>How many threads the CPU kernels use.</summary>
public static class CpuParallelism
{
    private static int maxDegree = -1;

    /// <summary>
    /// Upper bound on the threads a CPU kernel runs on; -1 (the default) means all cores.
    /// Results do not depend on it: work is split into the same fixed tiles for any thread count.
    /// </summary>
    public static int MaxDegreeOfParallelism
    {
        get => maxDegree;
        set
        {
            if (value == 0 || value < -1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism must be -1 (all cores) or at least 1.");
            maxDegree = value;
        }
    }

    /// <summary>The threads a kernel runs on now: <see cref="MaxDegreeOfParallelism"/>, or the core count for -1.</summary>
    internal static int Threads => maxDegree == -1 ? Environment.ProcessorCount : maxDegree;

    internal static void For(int count, Action<int> body)
    {
        if (count == 1 || maxDegree == 1)
        {
            for (int i = 0; i < count; i++)
                body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegree }, body);
    }

    /// <summary>Ceiling division for tile counts.</summary>
    internal static int Blocks(int length, int block) => (length + block - 1) / block;
}
