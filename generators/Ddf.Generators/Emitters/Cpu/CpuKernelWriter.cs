using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>
/// Writes <c>{Type}.Kernels.Cpu.g.cs</c>: row kernels with the spec's constants baked in and its k*k taps unrolled
/// (as <see cref="CpuKernelPlan"/> decides), run by the runtime's tile scheduler; edge columns use the runtime's
/// bounds-checked scalar helpers.
/// </summary>
internal static class CpuKernelWriter
{
    private const string TConstraint = "where T : unmanaged, global::System.Numerics.IFloatingPointIeee754<T>";
    private const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    public static void Write(SourceWriter w, DdfSpec spec)
    {
        var plan = CpuKernelPlan.For(spec);
        string generic = $"{Runtime}.GenericRows<T, {Weight(spec, "T")}>";
        w.WriteLine($$"""
            /// <summary>
            /// CPU kernels of this layer, specialised at compile time to k = {{spec.KernelSize}}, dilation {{spec.Dilation}}, stride {{spec.Stride}}, {{spec.Branches}}, {{spec.Combine}}:
            /// the taps are unrolled with constant offsets, rows are vectorised, tiles run in parallel, and results do not
            /// depend on the thread count. They work in place on the tensors' memory.
            /// </summary>
            {{GeneratedCode}}
            """);
        using (w.OpenBlock("internal static unsafe class CpuKernels"))
        {
            w.WriteLine($$"""
                /// <summary>These kernels for float32 and float64, as Ddf.DdfTensors runs them.</summary>
                public static readonly {{Runtime}}.DdfCpuKernelSet Set = new(Forward<float>, Forward<double>, Backward<float>, Backward<double>);

                /// <summary>Writes args.Output.</summary>
                public static void Forward<T>(in {{Runtime}}.DdfCpuArgs<T> args) {{TConstraint}} =>
                    {{Runtime}}.DdfCpuScheduler.Forward<T, Rows<T>>(args);

                /// <summary>Writes the gradients asked for (null pointers are skipped).</summary>
                public static void Backward<T>(in {{Runtime}}.DdfCpuArgs<T> args, T* gradChannelFilter) {{TConstraint}} =>
                    {{Runtime}}.DdfCpuScheduler.Backward<T, Rows<T>>(args, gradChannelFilter);

                """);
            using (w.OpenBlock($"private readonly struct Rows<T> : {Runtime}.IDdfCpuRows<T> {TConstraint}"))
            {
                w.WriteLine($$"""
                    {{Inline}}
                    private static {{Numerics}}.Vector<T> Load(T* p) => {{Numerics}}.Vector.Load(p);

                    {{Inline}}
                    private static void Store({{Numerics}}.Vector<T> value, T* p) => {{Numerics}}.Vector.Store(value, p);

                    {{Inline}}
                    private static {{Numerics}}.Vector<T> Tap({{Numerics}}.Vector<T> sum, {{Numerics}}.Vector<T> value, {{Numerics}}.Vector<T> channel, {{Numerics}}.Vector<T> spatial) =>
                        {{Weight(spec, "T")}}.Accumulate(sum, value, channel, spatial);
                    """);
                w.WriteLine();
                if (plan.Unrolled)
                    WriteUnrolledRows(w, spec, plan, generic);
                else
                    WriteGenericRows(w, spec, generic);
                w.WriteLine();
                w.WriteLine($$"""
                    /// <inheritdoc/>
                    /// <remarks>The generic row: per tap, a column loop streams one filter-gradient row (faster here than unrolled taps).</remarks>
                    public static void FilterGradients(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int oy, T* channelPartials) => {{generic}}.FilterGradients(a, b, c, pair, oy, channelPartials);
                    """);
            }
        }
    }

    private static void WriteGenericRows(SourceWriter w, DdfSpec spec, string generic) => w.WriteLine($$"""
        /// <inheritdoc/>
        /// <remarks>k = {{spec.KernelSize}}: the generic rows (unrolled rows only pay off up to k = {{CpuKernelPlan.UnrolledKernelSize}}).</remarks>
        public static void Forward(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int oy) => {{generic}}.Forward(a, b, c, pair, oy);

        /// <inheritdoc/>
        /// <remarks>k = {{spec.KernelSize}}: the generic rows.</remarks>
        public static void InputGradient(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int y) => {{generic}}.InputGradient(a, b, c, pair, y);
        """);

    /// <summary>Forward and input-gradient rows with unrolled taps (channel pairs, single rows, strided rows).</summary>
    private static void WriteUnrolledRows(SourceWriter w, DdfSpec spec, CpuKernelPlan plan, string generic)
    {
        WriteRowPass(w, spec, plan, CpuRowPass.Forward, generic);
        w.WriteLine();
        if (plan.Strided)
        {
            w.WriteLine($$"""
                /// <inheritdoc/>
                /// <remarks>Stride {{spec.Stride}}: the transposed taps land on a strided subset of columns, so this runs the generic rows.</remarks>
                public static void InputGradient(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int y) => {{generic}}.InputGradient(a, b, c, pair, y);
                """);
            return;
        }
        WriteRowPass(w, spec, plan, CpuRowPass.InputGradient, generic);
    }

    /// <summary>The pass's <c>IDdfCpuRows</c> method (over a channel pair, or one channel after the other) and its one-channel row.</summary>
    private static void WriteRowPass(SourceWriter w, DdfSpec spec, CpuKernelPlan plan, CpuRowPass pass, string generic)
    {
        if (plan.Pairs)
            CpuRowWriter.WriteRows(w, spec, pass, pair: true, generic);
        else
            CpuRowWriter.WriteRowsOneByOne(w, pass);
        w.WriteLine();
        if (plan.Strided)
            CpuRowWriter.WriteStridedForwardRow(w, spec, generic);
        else
            CpuRowWriter.WriteRows(w, spec, pass, pair: false, generic);
    }
}
