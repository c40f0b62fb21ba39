using System.Globalization;
using Ddf.Generators.Model;

namespace Ddf.Generators;

/// <summary>How a spec's values and offsets are spelled in the emitted code: shared by every writer.</summary>
internal static class SpecText
{
    /// <summary>The version stamped into [GeneratedCode]: the generator's own (major.minor.patch).</summary>
    public static readonly string Version = typeof(SpecText).Assembly.GetName().Version!.ToString(3);

    public static readonly string GeneratedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"Ddf.Compiler\", \"{Version}\")]";

    /// <summary>A double as a C# literal, invariant and round-trippable: 0.2, 1.0, 1E-05.</summary>
    public static string Literal(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E']) >= 0 ? text : text + ".0";
    }

    /// <summary>The Ddf.Runtime tap-weight struct of the spec, for element type <paramref name="t"/>.</summary>
    public static string Weight(DdfSpec spec, string t) => spec.Branches switch
    {
        FilterBranches.Spatial => $"{KnownTypes.Runtime}.SpatialWeight<{t}>",
        FilterBranches.Channel => $"{KnownTypes.Runtime}.ChannelWeight<{t}>",
        _ => spec.Combine == KernelCombine.Add ? $"{KnownTypes.Runtime}.AddWeight<{t}>" : $"{KnownTypes.Runtime}.MulWeight<{t}>",
    };

    /// <summary>A constant added to an index: "", " + 3", " - 2".</summary>
    public static string Offset(int value) => value switch { 0 => "", > 0 => $" + {value}", _ => $" - {-value}" };

    /// <summary>The offset of tap t in a tap-major array whose taps are <paramref name="stride"/> apart: "", " + tap", " + 2 * tap".</summary>
    public static string TapOffset(int t, string stride = "tap") => t switch { 0 => "", 1 => $" + {stride}", _ => $" + {t} * {stride}" };
}
