namespace Ddf;

/// <summary>Which filter-generating branches a DDF layer has (paper Table 3).</summary>
public enum FilterBranches
{
    /// <summary>Both the spatial and the channel branch. The default.</summary>
    Both = 0,

    /// <summary>Only the spatial branch: one k*k filter per pixel, shared by all channels.</summary>
    Spatial = 1,

    /// <summary>Only the channel branch: one k*k filter per channel, shared by all pixels.</summary>
    Channel = 2,
}
