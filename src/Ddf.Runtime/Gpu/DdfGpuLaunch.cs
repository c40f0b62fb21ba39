using System.Runtime.InteropServices;

namespace Ddf.Runtime;

/// <summary>
/// The one value argument of every DDF GPU kernel: the geometry, which filters are present and how they
/// combine (read by the generic kernels; specialised kernels have them baked in), and how the filter
/// gradients are split into partial sums.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct DdfGpuLaunch
{
    /// <summary>Creates the launch arguments.</summary>
    public DdfGpuLaunch(DdfGeometry geometry, bool hasChannelFilter, bool hasSpatialFilter, KernelCombine combine,
        int channelGroups, int channelsPerGroup, int tiles, bool wantChannelGradient, bool wantSpatialGradient)
    {
        Geometry = geometry;
        HasChannelFilter = hasChannelFilter ? 1 : 0;
        HasSpatialFilter = hasSpatialFilter ? 1 : 0;
        Add = combine == KernelCombine.Add ? 1 : 0;
        ChannelGroups = channelGroups;
        ChannelsPerGroup = channelsPerGroup;
        Tiles = tiles;
        WantChannelGradient = wantChannelGradient ? 1 : 0;
        WantSpatialGradient = wantSpatialGradient ? 1 : 0;
    }

    /// <summary>Sizes of the operation.</summary>
    public DdfGeometry Geometry { get; }

    /// <summary>1 when a channel filter is given.</summary>
    public int HasChannelFilter { get; }

    /// <summary>1 when a spatial filter is given.</summary>
    public int HasSpatialFilter { get; }

    /// <summary>1 when both filters add (KernelCombine.Add), 0 when they multiply.</summary>
    public int Add { get; }

    /// <summary>Channel groups the spatial-filter gradient is summed in (stage one); 1 writes it directly.</summary>
    public int ChannelGroups { get; }

    /// <summary>Channels per group.</summary>
    public int ChannelsPerGroup { get; }

    /// <summary>Partial sums per channel-filter gradient entry (one per pixel tile or output row).</summary>
    public int Tiles { get; }

    /// <summary>1 when the channel-filter gradient is wanted.</summary>
    public int WantChannelGradient { get; }

    /// <summary>1 when the spatial-filter gradient is wanted.</summary>
    public int WantSpatialGradient { get; }
}
