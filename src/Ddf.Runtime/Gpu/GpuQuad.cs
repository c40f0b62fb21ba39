using System.Runtime.InteropServices;

namespace Ddf.Runtime;

/// <summary>
/// Four adjacent elements of a row, loaded or stored at once: through a view cast to this type and marked aligned to 16
/// bytes (<c>ArrayViewExtensions.AsAligned</c>), ILGPU's PTX backend emits one 16-byte access for float32
/// (<c>ld.global.v4.f32</c>) and two for float64 (<c>ld.global.v2.f64</c>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpuQuad<T>(T v0, T v1, T v2, T v3) where T : unmanaged
{
    /// <summary>The first element.</summary>
    public T V0 = v0;

    /// <summary>The second element.</summary>
    public T V1 = v1;

    /// <summary>The third element.</summary>
    public T V2 = v2;

    /// <summary>The fourth element.</summary>
    public T V3 = v3;
}
