using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>
/// The pieces every GPU kernel writer is built from: this thread's pixels, the window it reads (rows, columns, whether
/// inside), window loads, filter taps, the channel loop and stores. The names they declare are the legend at the top
/// of each generated GPU kernel file (<see cref="GpuKernelWriter.Legend"/>).
/// </summary>
internal static class GpuKernelParts
{
    internal const string GpuConstraint = "where T : unmanaged, global::System.Numerics.INumber<T>";

    internal static string GpuView => $"{Ilgpu}.ArrayView<T>";

    /// <summary>The sizes the forward, input-gradient and spatial-gradient kernels start with (32-bit: the host checks they fit).</summary>
    internal const string PlaneSizes = """
        var g = launch.Geometry;
        int outH = g.OutHeight, outW = g.OutWidth, inPlane = (int)g.InPlane, outPlane = (int)g.OutPlane;
        """;

    /// <summary>
    /// The start of a kernel over pixels of a plane, <paramref name="pixels"/> adjacent ones per thread: this thread's first
    /// pixel (<paramref name="x"/>, <paramref name="y"/>), an early return past the plane, <c>pixel</c> (its index) and
    /// for the others <c>has{p}</c> (inside the row) and <c>pixel{p}</c> (its index, or pixel's where outside, so loads stay valid).
    /// </summary>
    internal static void WritePixelsOfThread(SourceWriter w, int pixels, string x, string y, string width, string height)
    {
        string span = pixels == 1 ? "TileWidth" : "(TileWidth * Pixels)", across = pixels == 1 ? "Group.IdxX" : "Group.IdxX * Pixels";
        w.WriteLine($$"""
            int tilesAcross = ({{width}} + {{span}} - 1) / {{span}};
            int {{x}} = {{Ilgpu}}.Grid.IdxX % tilesAcross * {{span}} + {{Ilgpu}}.{{across}}, {{y}} = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight + {{Ilgpu}}.Group.IdxY;
            if ({{x}} >= {{width}} || {{y}} >= {{height}})
                return;
            int b = {{Ilgpu}}.Grid.IdxZ, bc = b * g.Channels, pixel = {{y}} * {{width}} + {{x}};
            """);
        if (pixels == 1)
            return;
        w.WriteLine("// The thread's other pixels may lie past the row's end: they are computed from clamped reads and not stored.");
        WriteOtherPixels(w, pixels, x, width);
    }

    /// <summary>Declares <c>has{p}</c> (pixel p of the run lies inside the row) and <c>pixel{p}</c> (its index, or pixel's where outside).</summary>
    internal static void WriteOtherPixels(SourceWriter w, int pixels, string x, string width)
    {
        for (int p = 1; p < pixels; p++)
            w.WriteLine($"bool has{p} = {x} + {p} < {width};");
        for (int p = 1; p < pixels; p++)
            w.WriteLine($"int pixel{p} = has{p} ? pixel + {p} : pixel;");
    }

    /// <summary>The index of pixel p of the thread: <c>pixel</c>, <c>pixel1</c>, ...</summary>
    internal static string PixelName(int p) => p == 0 ? "pixel" : $"pixel{p}";

    /// <summary>
    /// Declares the window's rows (<c>row{u}</c>, already scaled to a plane offset) and columns (<c>col{j}</c>), clamped into
    /// the plane so that every load is valid (with <paramref name="stepInside"/>, moved to the nearest inside tap of the same
    /// pixel; with dilation 1 that is the clamp), and whether each is inside (<c>hy{u}</c>, <c>hx{j}</c>; none for the
    /// centre, which always is; none at all without <paramref name="conditions"/>); with <paramref name="masks"/> (stride-1
    /// windows), also their bit masks <c>my{u}</c>, <c>mx{j}</c> (Ddf.Runtime.DdfGpuBits: all ones inside), for loops that
    /// zero by AND (<c>TBits.Keep</c>) instead of selects. Forward windows start from <c>iy</c>, <c>ix</c> in an input plane
    /// of g.Height x g.Width; transposed ones from <c>jy</c>, <c>jx</c> in an upstream-gradient plane of outH x outW.
    /// </summary>
    internal static void WriteWindow(SourceWriter w, DdfSpec spec, GpuWindow window, bool stepInside = false, string prefix = "", bool conditions = true, bool masks = false)
    {
        bool t = window.IsTransposed;
        string height = t ? "outH" : "g.Height", width = t ? "outW" : "g.Width";
        string moved = stepInside ? "moved to the nearest inside tap of the same pixel" : "clamped into the plane";
        string hits = !conditions ? "" : t ? "; hy/hx: a tap hits them" : "; hy/hx: inside the plane (else the tap adds zero)";
        if (masks)
            hits += "; my/mx: bit masks, all ones inside the plane";
        w.WriteLine(t
            ? $"// Upstream-gradient rows and columns the transposed taps read, {moved} (every load valid){hits}."
            : $"// Input rows and columns the taps read, {moved} (every load valid){hits}.");
        for (int u = 0; u < window.Rows.Length; u++)
            WriteWindowLine(w, spec, window, $"{prefix}row", conditions ? $"{prefix}hy" : null, u, $"{(t ? "jy" : "iy")}{Offset(window.Rows[u])}", window.Rows[u] == window.Centre, height, $" * {width}", stepInside, masks ? $"{prefix}my" : null);
        for (int j = 0; j < window.Columns.Length; j++)
            WriteWindowLine(w, spec, window, $"{prefix}col", conditions ? $"{prefix}hx" : null, j, $"{(t ? "jx" : "ix")}{Offset(window.Columns[j])}", window.Columns[j] == window.Centre, width, "", stepInside, masks ? $"{prefix}mx" : null);
    }

    /// <summary>
    /// One row or column of a window: its clamped offset <c>{name}{index}</c>, whether it is inside (<c>{hit}{index}</c>) and
    /// its bit mask (<c>{mask}{index}</c>, stride-1 windows only), each where named (none for the centre).
    /// </summary>
    internal static void WriteWindowLine(SourceWriter w, DdfSpec spec, GpuWindow window, string name, string? hit, int index, string coordinate, bool centre, string size, string scale, bool stepInside, string? mask = null)
    {
        string at = coordinate.Contains(' ') ? $"({coordinate})" : coordinate;
        if (window.HitsByStride)
        {
            string n = $"n{name}{index}", q = $"q{name}{index}";
            w.WriteLine($"int {n} = {coordinate}, {q} = {GpuTiling}.FloorDiv({n}, Stride);");
            w.WriteLine($"bool {hit}{index} = {q} * Stride == {n} && (uint){q} < (uint){size};");
            w.WriteLine($"int {name}{index} = {GpuTiling}.Clamp({q}, {size}){scale};");
        }
        else if (centre)
            w.WriteLine($"int {name}{index} = {(scale.Length > 0 ? at : coordinate)}{scale};");
        else
        {
            string inside = stepInside && spec.Dilation > 1 ? $"{GpuTiling}.StepInside({coordinate}, {size}, Dilation)" : $"{GpuTiling}.Clamp({coordinate}, {size})";
            w.WriteLine($"int {name}{index} = {inside}{scale};");
            if (hit is not null)
                w.WriteLine($"bool {hit}{index} = (uint){at} < (uint){size};");
            if (mask is not null)
                w.WriteLine($"int {mask}{index} = {Mask(coordinate, size)};");
        }
    }

    /// <summary>
    /// Whether window element (u, j) needs a zero select, as a condition ("" when it is always inside); with the mask names
    /// of <see cref="WriteWindow"/> (<paramref name="row"/> "my", <paramref name="column"/> "mx"), as a bit mask; without
    /// <paramref name="row"/>, its column's condition only.
    /// </summary>
    internal static string WindowCondition(GpuWindow window, int u, int j, string prefix = "", string? row = "hy", string column = "hx")
    {
        var parts = new List<string>(2);
        if (row is not null && (window.HitsByStride || window.Rows[u] != window.Centre))
            parts.Add($"{prefix}{row}{u}");
        if (window.HitsByStride || window.Columns[j] != window.Centre)
            parts.Add($"{prefix}{column}{j}");
        return string.Join(" & ", parts); // "&": no short-circuit branch
    }

    /// <summary>The bit mask of 0 &lt;= <paramref name="coordinate"/> &lt; <paramref name="size"/>: all ones where it holds.</summary>
    internal static string Mask(string coordinate, string size) => $"{GpuBits}.Inside({coordinate}, {size})";

    /// <summary><paramref name="value"/> where bit mask <paramref name="mask"/> is all ones, else +0 ("" keeps it).</summary>
    internal static string Kept(string mask, string value) => mask.Length == 0 ? value : $"TBits.Keep({value}, {mask})";

    /// <summary>
    /// Declares <c>v{i}_{u}_{j}</c>: the window of channel i (whose plane starts at <c>at{i}</c>) in <paramref name="view"/>, zero
    /// outside the plane unless <paramref name="masked"/> is false (the caller then drops those taps' terms itself), by
    /// selects or, with <paramref name="columnMasks"/>, by the column masks of <see cref="WriteWindow"/> (the caller masks each
    /// row's sum: a mask per value and row would be one more register per pair, hoisted out of the loop by ptxas). With a
    /// <paramref name="prefix"/>, the window's names (rows, columns, conditions, values) start with it.
    /// </summary>
    internal static void WriteWindowLoads(SourceWriter w, DdfSpec spec, GpuWindow window, string view, int channels, bool masked = true, string prefix = "", bool columnMasks = false)
    {
        for (int i = 0; i < channels; i++)
        {
            for (int u = 0; u < window.Rows.Length; u++)
            {
                for (int j = 0; j < window.Columns.Length; j++)
                {
                    string load = $"{view}[at{i} + {prefix}row{u} + {prefix}col{j}]";
                    string value = !masked ? load : columnMasks ? Kept(WindowCondition(window, u, j, prefix, row: null, "mx"), load) : Selected(WindowCondition(window, u, j, prefix), load);
                    w.WriteLine($"T {prefix}v{i}_{u}_{j} = {value};");
                }
            }
        }
    }

    /// <summary>The condition (or "") under which pixel p's tap t reads inside the plane; a bit mask with the names "my", "mx"; without <paramref name="row"/>, its column's only.</summary>
    internal static string TapCondition(DdfSpec spec, GpuWindow window, int p, int t, string? row = "hy", string column = "hx") =>
        WindowCondition(window, t / spec.KernelSize, window.ColumnOf[p, t % spec.KernelSize], row: row, column: column);

    /// <summary><paramref name="value"/> where <paramref name="condition"/> holds, else zero ("" keeps it).</summary>
    internal static string Selected(string condition, string value) => condition.Length == 0 ? value : $"{GpuTiling}.ZeroUnless({condition}, {value})";

    /// <summary>The window value pixel p's tap t reads in channel i.</summary>
    internal static string WindowValue(DdfSpec spec, GpuWindow window, int i, int p, int t, string prefix = "") =>
        $"{prefix}v{i}_{t / spec.KernelSize}_{window.ColumnOf[p, t % spec.KernelSize]}";

    /// <summary>
    /// Declares <c>{prefix}s{p}_{t}</c>: the spatial taps at the upstream pixels pixel p's transposed tap t reads (zero where it
    /// misses: by select, or with <paramref name="bits"/> by the masks of <see cref="WriteWindow"/>), in registers for all
    /// channels; <c>sf</c> must be declared.
    /// </summary>
    internal static void WriteUpstreamSpatialTaps(SourceWriter w, DdfSpec spec, GpuWindow window, string prefix = "", bool bits = false)
    {
        for (int p = 0; p < window.Pixels; p++)
        {
            for (int t = 0; t < spec.Taps; t++)
            {
                int u = t / spec.KernelSize, j = window.ColumnOf[p, t % spec.KernelSize];
                string load = $"spatialFilter[sf{TapOffset(t, "outPlane")} + {prefix}row{u} + {prefix}col{j}]";
                w.WriteLine($"T {prefix}s{p}_{t} = {(bits ? Kept(WindowCondition(window, u, j, prefix, "my", "mx"), load) : Selected(WindowCondition(window, u, j, prefix), load))};");
            }
        }
    }

    /// <summary>
    /// Declares <c>k{i}_{t}</c>: the channel-filter taps of channel i (plane <c>plane{i}</c>), one line per tap row. The
    /// index is 64-bit (<c>f{i}</c>), so ptxas folds each tap's constant offset into its load instead of widening a 32-bit
    /// sum per tap: k3 forward loop 447 -> 390 SASS instructions for 8 outputs, 64 -> 56 registers (ptxas 11.8, sm_90).
    /// </summary>
    internal static void WriteChannelTaps(SourceWriter w, DdfSpec spec, int channels)
    {
        w.WriteLine("long " + string.Join(", ", Enumerable.Range(0, channels).Select(i => $"f{i} = (long)plane{i} * Taps")) + ";");
        for (int i = 0; i < channels; i++)
            WriteTapRows(w, spec, t => $"k{i}_{t} = channelFilter[f{i}{(t == 0 ? "" : $" + {t}")}]");
    }

    /// <summary>Declares one T local per tap, one line per tap row: <c>T {declaration(t)}, ...;</c>.</summary>
    internal static void WriteTapRows(SourceWriter w, DdfSpec spec, Func<int, string> declaration)
    {
        for (int u = 0; u < spec.KernelSize; u++)
            w.WriteLine("T " + string.Join(", ", Enumerable.Range(u * spec.KernelSize, spec.KernelSize).Select(declaration)) + ";");
    }

    /// <summary>The combined weight of a tap from spatial register <paramref name="spatial"/> and channel tap <paramref name="channel"/>.</summary>
    internal static string TapWeight(DdfSpec spec, string spatial, string channel) => spec.Branches switch
    {
        FilterBranches.Spatial => spatial,
        FilterBranches.Channel => channel,
        _ => spec.Combine == KernelCombine.Add ? $"({spatial} + {channel})" : $"({spatial} * {channel})",
    };

    /// <summary>
    /// The channel loop of the forward, input-gradient and spatial-gradient kernels over [cBegin, cEnd):
    /// the pass's unroll (the constant named <see cref="GpuPass.UnrollConstant"/>) channels per iteration, then one at a time;
    /// <paramref name="body"/> writes the body for n channels, with <c>plane{i}</c> (b * C + channel) and <c>at{i}</c> (its
    /// first element in <paramref name="plane"/>) set.
    /// </summary>
    internal static void WriteChannelLoop(SourceWriter w, GpuPass pass, string plane, Action<int> body)
    {
        int unroll = pass.Unroll;
        string name = pass.UnrollConstant;
        w.WriteLine("int c = cBegin;");
        foreach (int n in unroll > 1 ? new[] { unroll, 1 } : new[] { 1 })
        {
            using (w.OpenBlock(n > 1 ? $"for (; c + {name} <= cEnd; c += {name})" : "for (; c < cEnd; c++)"))
            {
                w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, n).Select(i => $"plane{i} = bc + c{Offset(i)}")) + ";");
                w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, n).Select(i => $"at{i} = plane{i} * {plane}")) + ";");
                body(n);
            }
        }
    }

    /// <summary>Declares <paramref name="name"/> as the sum of <paramref name="terms"/>, added in order: <c>T name = t0;</c> then <c>name += t;</c>.</summary>
    internal static void WriteSum(SourceWriter w, string name, IEnumerable<string> terms)
    {
        bool first = true;
        foreach (string term in terms)
        {
            w.WriteLine(first ? $"T {name} = {term};" : $"{name} += {term};");
            first = false;
        }
    }

    /// <summary>
    /// Writes each pixel's stores (<paramref name="stores"/>(p), one or more lines): the first pixel's as they are, the others'
    /// inside <c>if (has{p})</c>.
    /// </summary>
    internal static void WritePixelStores(SourceWriter w, int pixels, Func<int, string> stores)
    {
        for (int p = 0; p < pixels; p++)
        {
            if (p == 0)
                w.WriteLine(stores(p));
            else
            {
                using (w.OpenBlock($"if (has{p})"))
                    w.WriteLine(stores(p));
            }
        }
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="index"/> of pixel p (pixels after the first only where they exist).</summary>
    internal static void WritePixelStore(SourceWriter w, int p, string target, string value) =>
        w.WriteLine(p == 0 ? $"{target} = {value};" : $"if (has{p})\n    {target} = {value};");

    /// <summary>
    /// The start of the forward and spatial-gradient kernels: sizes, this thread's output pixels and the input window
    /// their taps read (see <see cref="WriteWindow"/>).
    /// </summary>
    internal static void WriteOutputPixelsAndWindow(SourceWriter w, DdfSpec spec, GpuWindow window, bool stepInside)
    {
        w.WriteLine(PlaneSizes);
        WritePixelsOfThread(w, window.Pixels, "ox", "oy", "outW", "outH");
        w.WriteLine("int iy = oy * Stride - Pad, ix = ox * Stride - Pad;");
        WriteWindow(w, spec, window, stepInside);
    }

    /// <summary>
    /// Declares <c>s{p}_{t}</c>: the spatial taps of this thread's output pixels, in registers for all its channels (and
    /// first <c>sf</c>, the batch element's spatial filter, unless <paramref name="declareBase"/> is false); zero for the
    /// taps of <paramref name="zeroPadded"/> in the padding when given.
    /// </summary>
    internal static void WriteSpatialTaps(SourceWriter w, DdfSpec spec, int pixels, bool declareBase = true, GpuWindow? zeroPadded = null)
    {
        if (declareBase)
            w.WriteLine("int sf = b * Taps * outPlane;");
        if (zeroPadded is not null)
        {
            w.WriteLine("// Zero for taps in the padding: their (real, clamped) window values then add nothing.");
            for (int p = 0; p < pixels; p++)
                for (int t = 0; t < spec.Taps; t++)
                    w.WriteLine($"T s{p}_{t} = {Selected(TapCondition(spec, zeroPadded, p, t), $"spatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}]")};");
            return;
        }
        for (int p = 0; p < pixels; p++)
            WriteTapRows(w, spec, t => $"s{p}_{t} = spatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}]");
    }
}
