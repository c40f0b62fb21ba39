using System.Runtime.InteropServices;

namespace Ddf.Runtime;

/// <summary>
/// The one value argument of every DDF GPU kernel: the geometry, which filters are present and how they
/// combine (read by the generic kernels; specialised kernels have them baked in), and into how many partial
/// sums the channel-filter gradient is split.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct DdfGpuLaunch
{
    /// <summary>Creates the launch arguments.</summary>
    public DdfGpuLaunch(DdfGeometry geometry, bool hasChannelFilter, bool hasSpatialFilter, KernelCombine combine, int parts)
    {
        Geometry = geometry;
        HasChannelFilter = hasChannelFilter ? 1 : 0;
        HasSpatialFilter = hasSpatialFilter ? 1 : 0;
        Add = combine == KernelCombine.Add ? 1 : 0;
        Parts = parts;
    }

    /// <summary>Sizes of the operation.</summary>
    public DdfGeometry Geometry { get; }

    /// <summary>1 when a channel filter is given.</summary>
    public int HasChannelFilter { get; }

    /// <summary>1 when a spatial filter is given.</summary>
    public int HasSpatialFilter { get; }

    /// <summary>1 when both filters add (KernelCombine.Add), 0 when they multiply.</summary>
    public int Add { get; }

    /// <summary>
    /// Partial sums per channel-filter gradient entry (stage one writes them, stage two adds them in order): parts of
    /// the output plane for the tiled kernels, output rows for the generic ones.
    /// </summary>
    public int Parts { get; }
}
