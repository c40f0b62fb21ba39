using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>
/// One vectorised row pass of the unrolled CPU kernels, as <see cref="CpuRowWriter.WriteRows"/> needs it: the forward
/// (input rows read at +taps) or the stride-1 input gradient (upstream-gradient rows read at -taps, the transposed
/// taps). Either runs over one channel (locals named without a suffix) or a channel pair ("a" and "b").
/// </summary>
internal sealed class CpuRowPass
{
    private CpuRowPass(string name, string row, string rowSummary, string widthLocal, string width, string height, string rowOffsetOrigin,
        int tapSign, bool spatialAtTap, string source, string target, string rowsComment, string singleLoopComment)
    {
        Name = name;
        Row = row;
        RowSummary = rowSummary;
        WidthLocal = widthLocal;
        Width = width;
        Height = height;
        RowOffsetOrigin = rowOffsetOrigin;
        TapSign = tapSign;
        SpatialAtTap = spatialAtTap;
        Source = source;
        Target = target;
        RowsComment = rowsComment;
        SingleLoopComment = singleLoopComment;
    }

    /// <summary>Output rows from input rows: taps at +(kx * d), spatial taps at the output column.</summary>
    public static CpuRowPass Forward { get; } = new(
        "Forward", "oy", "Writes output row oy of plane (b, c).", "", "a.Geometry.Width", "a.Geometry.Height", "i",
        tapSign: 1, spatialAtTap: false, source: "x", target: "y",
        "// Input rows of tap rows ky (read only inside the image), shifted left by the padding.",
        "// Two vectors a step (a cache line); the last step shifts back to end at hi, so there is no scalar tail.");

    /// <summary>Input-gradient rows from upstream-gradient rows: taps at -(kx * d), spatial taps at the upstream pixel each reads.</summary>
    public static CpuRowPass InputGradient { get; } = new(
        "InputGradient", "y", "Writes input-gradient row y of plane (b, c).", "width = a.Geometry.Width, ", "width", "a.Geometry.OutHeight", "o",
        tapSign: -1, spatialAtTap: true, source: "g", target: "dx",
        "// Output rows that tap rows ky reach from input row y (oy = y + Padding - ky * Dilation), shifted right by the padding.",
        "// Two vectors a step (a cache line); the last step shifts back to end at hi.");

    /// <summary>The pair method's name (<c>IDdfCpuRows</c>); the one-channel method is <see cref="Name"/> + "Row".</summary>
    public string Name { get; }

    /// <summary>The row parameter: <c>oy</c> (an output row) or <c>y</c> (an input row).</summary>
    public string Row { get; }

    public string RowSummary { get; }

    /// <summary>The declaration of a <c>width</c> local, if the pass has one ("" or "width = ..., ").</summary>
    public string WidthLocal { get; }

    /// <summary>The input width as the pass spells it.</summary>
    public string Width { get; }

    /// <summary>Rows of the plane it reads.</summary>
    public string Height { get; }

    /// <summary>The first letter of the read rows' names: <c>iy{ky}</c> (input rows) or <c>oy{ky}</c> (output rows).</summary>
    public string RowOffsetOrigin { get; }

    /// <summary>+1: tap column kx reads at +kx * d; -1: at -kx * d (the transposed taps).</summary>
    public int TapSign { get; }

    /// <summary>The spatial tap is loaded at the tap's address (the upstream pixel it reads), not at the written column.</summary>
    public bool SpatialAtTap { get; }

    /// <summary>The plane read: <c>xPlane</c> or <c>xa</c>, <c>xb</c> (forward); <c>gPlane</c> or <c>ga</c>, <c>gb</c>.</summary>
    public string Source { get; }

    /// <summary>The row written: <c>y</c> or <c>ya</c>, <c>yb</c> (forward); <c>dx</c> or <c>dxa</c>, <c>dxb</c>.</summary>
    public string Target { get; }

    public string RowsComment { get; }

    public string SingleLoopComment { get; }

    /// <summary>The generic row's edge-column helper.</summary>
    public string Columns => Name + "Columns";

    /// <summary>Where the written row ends (and the next one starts).</summary>
    public string RowEnd => TapSign > 0 ? "a.Geometry.OutWidth" : "width";

    /// <summary>The read plane of one channel (<paramref name="channel"/> "") or of channel "a" / "b" of a pair.</summary>
    public string SourceOf(string channel) => channel.Length == 0 ? Source + "Plane" : Source + channel;

    public string TargetOf(string channel) => Target + channel;

    /// <summary>The pointer declarations of a pass over one channel or a pair.</summary>
    public string Pointers(bool pair) => (TapSign > 0, pair) switch
    {
        (true, false) => "T* xPlane = a.InputPlane(b, c), cf = a.ChannelTaps(b, c), sf = a.SpatialRow(b, oy), y = a.OutputRow(b, c, oy);",
        (true, true) => """
            T* xa = a.InputPlane(b, c), xb = a.InputPlane(b, c + 1), cfa = a.ChannelTaps(b, c), cfb = a.ChannelTaps(b, c + 1);
            T* sf = a.SpatialRow(b, oy), ya = a.OutputRow(b, c, oy), yb = a.OutputRow(b, c + 1, oy);
            """,
        (false, false) => """
            T* gPlane = a.OutputRow(b, c, 0), cf = a.ChannelTaps(b, c), sf = a.SpatialRow(b, 0);
            T* dx = a.GradInput + ((long)b * a.Geometry.Channels + c) * a.Geometry.InPlane + (long)y * width;
            """,
        (false, true) => """
            T* ga = a.OutputRow(b, c, 0), gb = a.OutputRow(b, c + 1, 0), cfa = a.ChannelTaps(b, c), cfb = a.ChannelTaps(b, c + 1), sf = a.SpatialRow(b, 0);
            T* dxa = a.GradInput + ((long)b * a.Geometry.Channels + c) * a.Geometry.InPlane + (long)y * width, dxb = dxa + a.Geometry.InPlane;
            """,
    };

    /// <summary>
    /// Row ky of the window: its index, whether it lies inside the plane, and its start as an offset <c>r{ky}</c> (for the
    /// forward over one channel, a pointer <c>x{ky}</c> into the plane).
    /// </summary>
    public string RowLines(int ky, int shift, bool pair)
    {
        string index = $"{RowOffsetOrigin}y{ky}";
        string start = TapSign > 0
            ? (pair ? $"long r{ky} = (long){index} * a.Geometry.Width - Spec.Padding;" : $"T* x{ky} = xPlane + (long){index} * a.Geometry.Width - Spec.Padding;")
            : $"long r{ky} = (long){index} * width + Spec.Padding;";
        return $"int {index} = {Row}{Offset(shift)};\nbool in{ky} = (uint){index} < (uint){Height};\n{start}";
    }

    /// <summary>The forward over one channel reads through per-row pointers <c>x{ky}</c>; the other passes through offsets <c>r{ky}</c>.</summary>
    public bool RowPointers(bool pair) => TapSign > 0 && !pair;
}
