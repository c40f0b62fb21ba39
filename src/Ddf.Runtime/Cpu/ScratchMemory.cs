using System.Runtime.InteropServices;

namespace Ddf.Runtime;

/// <summary>Allocates and frees the CPU scheduler's scratch buffers.</summary>
internal unsafe interface IScratchAllocator
{
    /// <summary>An uninitialised block of <paramref name="count"/> elements of <paramref name="size"/> bytes.</summary>
    void* Allocate(nuint count, nuint size);

    /// <summary>Frees a block <see cref="Allocate"/> returned (null is ignored).</summary>
    void Free(void* block);
}

/// <summary>
/// Where <see cref="DdfCpuScheduler"/> takes its scratch memory (the channel-filter gradient's per-tile partial sums):
/// <see cref="NativeMemory"/>, unless <see cref="Override"/> is set. The override is a test seam: the guard-page tests
/// (tests/Ddf.Runtime.Tests) place every scratch block against an inaccessible page. Set it only while no kernel runs.
/// </summary>
internal static unsafe class ScratchMemory
{
    /// <summary>The allocator used instead of <see cref="NativeMemory"/>, or null.</summary>
    internal static IScratchAllocator? Override { get; set; }

    /// <summary>An uninitialised block of <paramref name="count"/> elements of <paramref name="size"/> bytes.</summary>
    public static void* Allocate(nuint count, nuint size) =>
        Override is { } allocator ? allocator.Allocate(count, size) : NativeMemory.Alloc(count, size);

    /// <summary>Frees a block <see cref="Allocate"/> returned (null is ignored).</summary>
    public static void Free(void* block)
    {
        if (Override is { } allocator)
            allocator.Free(block);
        else
            NativeMemory.Free(block);
    }
}
