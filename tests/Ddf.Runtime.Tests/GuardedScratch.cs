using System.Collections.Generic;
using Ddf.KernelChecks;

namespace Ddf.Runtime.Tests;

/// <summary>
/// The scheduler's scratch allocator (<see cref="ScratchMemory.Override"/>) for the sweep: every block in its own
/// <see cref="GuardedBuffer"/> against a guard page on <see cref="Side"/>; freeing checks the block's slack.
/// </summary>
internal sealed unsafe class GuardedScratch : IScratchAllocator
{
    private readonly Dictionary<nint, GuardedBuffer> live = [];

    /// <summary>Where the next blocks' guard pages are.</summary>
    public GuardSide Side { get; set; }

    /// <summary>Blocks handed out so far: the sweep checks that its cases did reach the partial sums.</summary>
    public int Allocations { get; private set; }

    public void* Allocate(nuint count, nuint size)
    {
        var buffer = new GuardedBuffer(checked((long)(count * size)), Side);
        lock (live)
        {
            live.Add((nint)buffer.Pointer, buffer);
            Allocations++;
        }
        return buffer.Pointer;
    }

    public void Free(void* block)
    {
        if (block == null)
            return;
        GuardedBuffer buffer;
        lock (live)
        {
            buffer = live[(nint)block];
            live.Remove((nint)block);
        }
        buffer.CheckSlack("scheduler scratch (channel-filter partial sums)");
        buffer.Dispose();
    }
}
