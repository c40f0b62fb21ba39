using System;

namespace Ddf.Runtime;

/// <summary>The four ways a tap's weight is formed, as indices into a kernel set's per-mode table.</summary>
internal static class WeightModes
{
    /// <summary>Both filters, multiplied.</summary>
    public const int Mul = 0;

    /// <summary>Both filters, added.</summary>
    public const int Add = 1;

    /// <summary>The spatial filter alone.</summary>
    public const int SpatialOnly = 2;

    /// <summary>The channel filter alone.</summary>
    public const int ChannelOnly = 3;

    /// <summary>The mode of a call with the filters present and the combine mode (used only when both are present).</summary>
    public static int Of(bool hasChannelFilter, bool hasSpatialFilter, KernelCombine combine) =>
        (hasChannelFilter, hasSpatialFilter) switch
        {
            (true, true) => combine switch
            {
                KernelCombine.Mul => Mul,
                KernelCombine.Add => Add,
                _ => throw new ArgumentOutOfRangeException(nameof(combine), combine, "combine must be KernelCombine.Mul or KernelCombine.Add."),
            },
            (false, true) => SpatialOnly,
            (true, false) => ChannelOnly,
            _ => throw new ArgumentException("At least one of the channel filter and the spatial filter must be given.", nameof(hasChannelFilter)),
        };
}
