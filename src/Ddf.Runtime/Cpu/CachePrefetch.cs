using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Ddf.Runtime;

/// <summary>
/// Software prefetch for the CPU row kernels. A row reads its taps from rows the hardware prefetchers have not yet
/// fetched when it starts, and at these kernels' pace they do not run far enough ahead: asking for the next row's
/// cache lines one vector step before they are needed made a k = 3 forward row streaming whole 2x256x200x300 planes
/// ~25 % faster on one core (less in the kernels' tile order, where each channel pair starts cold; docs/performance.md).
/// A no-op where the hardware has no prefetch instruction the runtime exposes.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class CachePrefetch
{
    /// <summary>Starts loading the cache line holding <paramref name="address"/> into all cache levels (never faults).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Read(void* address)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(address);
    }
}
