namespace Ddf;

/// <summary>How the channel filter and the spatial filter combine into one kernel (paper Eq. 2).</summary>
public enum KernelCombine
{
    /// <summary>Element-wise product: <c>W = channel_filter * spatial_filter</c>. The default.</summary>
    Mul = 0,

    /// <summary>Element-wise sum: <c>W = channel_filter + spatial_filter</c> (the paper's "add" variant).</summary>
    Add = 1,
}
