using System;
using System.Runtime.InteropServices;

namespace Ddf;

/// <summary>
/// Process-wide glibc malloc settings for CPU training and benchmarks on TorchSharp tensors (libtorch takes their
/// memory from malloc). By default glibc serves large
/// blocks with fresh mmap pages and returns them on free, so every large tensor a step allocates pays
/// its page faults again (about 250 ms for 123 MB on these machines, against 4 ms to copy the same
/// bytes). Keeping freed memory in the heap removes that cost, at the price of a process that does not
/// shrink back. Equivalent to MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=268435456.
/// </summary>
public static class NativeMemoryTuning
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_TOP_PAD = -2;
    private const int M_MMAP_MAX = -4;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    /// <summary>
    /// Asks glibc to keep freed memory for reuse. Returns false (and changes nothing) where the C
    /// library is not glibc.
    /// </summary>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            // mallopt returns 1 on success.
            return Mallopt(M_MMAP_MAX, 0) == 1
                & Mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1
                & Mallopt(M_TOP_PAD, 256 << 20) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }
}
