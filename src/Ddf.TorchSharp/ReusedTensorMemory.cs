using System;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Ddf;

/// <summary>
/// The memory of the CPU tensors this library returns (outputs, gradients, normalised filters): blocks it
/// keeps when their tensor is freed and hands to the next tensor of the same size, so a loop of calls reuses
/// touched pages instead of faulting in fresh ones (~40-250 ms for 123 MB here).
/// <para>
/// Why not libtorch's <c>empty</c>: it allocates with <c>posix_memalign</c>, which asks glibc for the size plus the
/// alignment and gives back the unused ends as small chunks; glibc's thread cache holds those (7 per size) instead
/// of merging them, so the freed output is a few bytes short of the next request. With glibc keeping freed memory
/// (<see cref="NativeMemoryTuning"/>) each call then extended the heap by one output, for about 8 calls
/// (+700-940 MiB at the Table 2 size), and with glibc's defaults each output came from fresh pages.
/// </para>
/// At most <see cref="MaxKeptBlocks"/> free blocks and <see cref="MaxKeptBytes"/> bytes are kept; the rest go back to
/// the allocator. Returning a block allocates no managed memory, whichever thread frees the tensor (a collection
/// started there could free a TorchSharp temporary another thread passes to libtorch: README, "TorchSharp and the
/// garbage collector").
/// </summary>
internal static unsafe class ReusedTensorMemory
{
    /// <summary>Free blocks kept at most.</summary>
    internal const int MaxKeptBlocks = 8;

    /// <summary>Bytes kept in free blocks at most.</summary>
    internal const long MaxKeptBytes = 1L << 30;

    private const int Alignment = 64;

    // The block's size, in the alignment-sized header before the data.
    private static long SizeOf(byte* data) => *(long*)(data - Alignment);

    private static readonly object Gate = new();
    private static readonly nint[] Kept = new nint[MaxKeptBlocks];
    private static int keptCount;
    private static long keptBytes;

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_new(void* data, delegate* unmanaged<void*, void> deleter, long* sizes, int dimensions,
        sbyte scalarType, sbyte dtype, int deviceType, int deviceIndex, [MarshalAs(UnmanagedType.U1)] bool requiresGrad);

    /// <summary>Free blocks kept now, and their bytes (for tests).</summary>
    internal static (int Blocks, long Bytes) KeptNow
    {
        get
        {
            lock (Gate)
                return (keptCount, keptBytes);
        }
    }

    /// <summary>An uninitialised contiguous tensor of <paramref name="shape"/> with the dtype and device of <paramref name="like"/>: reused memory on the CPU.</summary>
    public static torch.Tensor Empty(ReadOnlySpan<long> shape, torch.Tensor like) =>
        like.device_type == DeviceType.CPU ? Empty(shape, like.dtype) : torch.empty(shape, like.dtype, like.device);

    /// <summary>An uninitialised contiguous CPU tensor of <paramref name="shape"/> and <paramref name="dtype"/> (float32 or float64).</summary>
    private static torch.Tensor Empty(ReadOnlySpan<long> shape, torch.ScalarType dtype)
    {
        long elements = 1;
        foreach (long size in shape)
            elements *= size;
        int elementSize = dtype == torch.ScalarType.Float64 ? sizeof(double) : sizeof(float);
        long bytes = Math.Max(elements * elementSize, 1);
        byte* data = Take(bytes);
        if (data == null)
            data = Allocate(bytes);
        IntPtr handle;
        fixed (long* sizes = shape)
            handle = THSTensor_new(data, &Release, sizes, shape.Length, (sbyte)dtype, (sbyte)dtype, (int)DeviceType.CPU, -1, false);
        if (handle == IntPtr.Zero)
        {
            Keep(data);
            torch.CheckForErrors();
        }
        return torch.Tensor.UnsafeCreateTensor(handle);
    }

    private static byte* Allocate(long bytes)
    {
        byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)(bytes + Alignment), Alignment);
        *(long*)block = bytes;
        return block + Alignment;
    }

    /// <summary>The smallest kept block of at least <paramref name="bytes"/> and at most a quarter more, taken out of the pool.</summary>
    private static byte* Take(long bytes)
    {
        lock (Gate)
        {
            int best = -1;
            for (int i = 0; i < keptCount; i++)
            {
                long size = SizeOf((byte*)Kept[i]);
                if (size >= bytes && size <= bytes + bytes / 4 && (best < 0 || size < SizeOf((byte*)Kept[best])))
                    best = i;
            }
            if (best < 0)
                return null;
            byte* data = (byte*)Kept[best];
            keptBytes -= SizeOf(data);
            Kept[best] = Kept[--keptCount];
            return data;
        }
    }

    /// <summary>Frees every kept block: the tests of the pool start from an empty one.</summary>
    internal static void FreeKept()
    {
        lock (Gate)
        {
            for (; keptCount > 0; keptCount--)
                NativeMemory.AlignedFree((byte*)Kept[keptCount - 1] - Alignment);
            keptBytes = 0;
        }
    }

    /// <summary>libtorch's deleter of the tensor's storage.</summary>
    [UnmanagedCallersOnly]
    private static void Release(void* data) => Keep((byte*)data);

    /// <summary>Keeps the block for the next tensor, or frees it when the pool is full.</summary>
    private static void Keep(byte* data)
    {
        long size = SizeOf(data);
        lock (Gate)
        {
            if (keptCount < MaxKeptBlocks && keptBytes + size <= MaxKeptBytes)
            {
                Kept[keptCount++] = (nint)data;
                keptBytes += size;
                return;
            }
        }
        NativeMemory.AlignedFree(data - Alignment);
    }
}
