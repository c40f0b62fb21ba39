using System.Globalization;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

public sealed partial class DdfGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// <c>{Type}.Onnx.g.cs</c>: the layer's ONNX graph writer (<c>global::Ddf.IOnnxExportable</c>) with the spec's
        /// constants baked in: the branches, their normalisation, the DDF operation as zero padding plus k*k strided
        /// Slices times the matching filter taps, summed, and for DDF-Up the S*S filter pairs and DepthToSpace.
        /// Emitted only when the compilation references Ddf.Onnx (and TorchSharp).
        /// </summary>
        public static void EmitOnnx(Microsoft.CodeAnalysis.SourceProductionContext output, DdfSpec spec) =>
            Add(output, spec, "Onnx", File(spec, $"partial class {spec.TypeName} : global::Ddf.IOnnxExportable", WriteOnnx));

        private static void WriteOnnx(SourceWriter writer, DdfSpec spec)
        {
            bool up = spec.Kind == LayerKind.Upsample;
            int s = up ? 1 : spec.Stride;
            writer.WriteLine("/// <summary>");
            writer.WriteLine(up
                ? $"/// Writes this layer's eval-mode forward into an ONNX graph in standard operators: {spec.ScaleFactor * spec.ScaleFactor} filter pairs (k = {spec.KernelSize},"
                : $"/// Writes this layer's eval-mode forward into an ONNX graph in standard operators: k = {spec.KernelSize}, dilation {spec.Dilation}, stride {s},");
            writer.WriteLine(up
                ? $"/// dilation {spec.Dilation}, {spec.Heads} head(s), {spec.Normalization} normalisation, {spec.Branches} branch(es), {spec.Combine}) whose outputs DepthToSpace shuffles by {spec.ScaleFactor}."
                : $"/// {spec.Heads} head(s), {spec.Normalization} normalisation, {spec.Branches} branch(es), {spec.Combine} combine.");
            writer.WriteLine("/// </summary>");
            int arity = up && spec.JointGuidance ? 2 : 1;
            using (writer.OpenBlock($"string[] global::Ddf.IOnnxExportable.ExportOnnx({OnnxGraph} graph, string[] inputs)"))
            {
                writer.WriteLine($"if (inputs.Length != {arity})");
                writer.WriteLine($"    throw new global::System.ArgumentException($\"{spec.TypeName} takes {arity} input(s), got {{inputs.Length}}.\", nameof(inputs));");
                writer.WriteLine("string input = inputs[0];");
                if (arity == 2)
                    writer.WriteLine("string guidance = inputs[1];");
                writer.WriteLine("string padded = OnnxPadded(graph, input);");
                if (!up)
                {
                    writer.WriteLine(spec.HasChannel ? "string channelFilter = OnnxChannelFilter(graph, input, \"channel_branch\");" : "string? channelFilter = null;");
                    writer.WriteLine(spec.HasSpatial ? "string spatialFilter = OnnxSpatialFilter(graph, input, \"spatial_branch.0\", \"spatial_branch.1\");" : "string? spatialFilter = null;");
                    writer.WriteLine("return [OnnxFilter(graph, padded, channelFilter, spatialFilter)];");
                }
                else
                {
                    int pairs = spec.ScaleFactor * spec.ScaleFactor;
                    writer.WriteLine($"var outputs = new string[{pairs}];");
                    using (writer.OpenBlock($"for (int i = 0; i < {pairs}; i++)"))
                    {
                        writer.WriteLine(spec.HasChannel ? "string channelFilter = OnnxChannelFilter(graph, input, $\"channel_branch.{i}\");" : "string? channelFilter = null;");
                        if (!spec.HasSpatial)
                            writer.WriteLine("string? spatialFilter = null;");
                        else if (spec.JointGuidance)
                            writer.WriteLine("string spatialFilter = OnnxSpatialFilter(graph, guidance, $\"spatial_branch.{i}.0\", $\"spatial_branch.{i}.1\");");
                        else
                        {
                            writer.WriteLine("// Self guidance: a depthwise 3x3 conv first.");
                            writer.WriteLine("string features = graph.Node(\"Conv\", [input, graph.Weight(this, $\"spatial_branch.{i}.0.weight\"), graph.Weight(this, $\"spatial_branch.{i}.0.bias\")],");
                            writer.WriteLine($"    {OnnxAttribute}.Ints(\"kernel_shape\", 3, 3), {OnnxAttribute}.Ints(\"pads\", 1, 1, 1, 1), {OnnxAttribute}.Int(\"group\", in_channels));");
                            writer.WriteLine("string spatialFilter = OnnxSpatialFilter(graph, features, $\"spatial_branch.{i}.1.0\", $\"spatial_branch.{i}.1.1\");");
                        }
                        writer.WriteLine("outputs[i] = OnnxFilter(graph, padded, channelFilter, spatialFilter);");
                    }
                    writer.WriteLine("// Output i*S + j goes to out[:, :, y*S + i, x*S + j] (PyTorch's pixel shuffle of the stacked outputs): the outputs");
                    writer.WriteLine("// side by side on the channel axis (channel (i*S + j)*C + c) are DepthToSpace's DCR order.");
                    writer.WriteLine($"string stacked = graph.Node(\"Concat\", outputs, {OnnxAttribute}.Int(\"axis\", 1));");
                    writer.WriteLine($"return [graph.Node(\"DepthToSpace\", [stacked], {OnnxAttribute}.Int(\"blocksize\", {spec.ScaleFactor}), {OnnxAttribute}.String(\"mode\", \"DCR\"))];");
                }
            }
            writer.WriteLine();
            WriteOnnxPadded(writer, spec);
            if (spec.HasSpatial)
            {
                writer.WriteLine();
                WriteOnnxSpatialFilter(writer, spec, s);
            }
            if (spec.HasChannel)
            {
                writer.WriteLine();
                WriteOnnxChannelFilter(writer, spec);
            }
            if (spec.Normalization == FilterNormalization.Filter)
            {
                writer.WriteLine();
                WriteOnnxFilterNorm(writer, spec);
            }
            if (spec.Normalization == FilterNormalization.Batch)
            {
                writer.WriteLine();
                WriteOnnxBatchNorm(writer);
            }
            writer.WriteLine();
            WriteOnnxFilter(writer, spec, s);
        }

        private static void WriteOnnxPadded(SourceWriter writer, DdfSpec spec)
        {
            writer.WriteLine(spec.Heads > 1
                ? $"// The input as (B*{spec.Heads}, C/{spec.Heads}, H, W) (head j filters channels j*C/{spec.Heads} ...), zero-padded by {spec.Padding} on each side."
                : $"// The input zero-padded by {spec.Padding} on each side.");
            using (writer.OpenBlock($"private string OnnxPadded({OnnxGraph} graph, string input)"))
            {
                string x = "input";
                if (spec.Heads > 1)
                {
                    writer.WriteLine($"string grouped = graph.Node(\"Reshape\", [input, graph.Int64s(-1, in_channels / {spec.Heads}, 0, 0)]);");
                    x = "grouped";
                }
                int p = spec.Padding;
                writer.WriteLine($"return graph.Node(\"Pad\", [{x}, graph.Int64s(0, 0, {p}, {p}, 0, 0, {p}, {p})]);");
            }
        }

        private static void WriteOnnxSpatialFilter(SourceWriter writer, DdfSpec spec, int stride)
        {
            writer.WriteLine($"// The spatial branch: a 1x1 conv (stride {stride}) to {spec.Heads}*{spec.Taps} channels, {spec.Normalization} normalisation; as (B*{spec.Heads}, {spec.Taps}, Ho, Wo).");
            using (writer.OpenBlock($"private string OnnxSpatialFilter({OnnxGraph} graph, string features, string conv, string norm)"))
            {
                writer.WriteLine("string filter = graph.Node(\"Conv\", [features, graph.Weight(this, conv + \".weight\"), graph.Weight(this, conv + \".bias\")],");
                writer.WriteLine($"    {OnnxAttribute}.Ints(\"kernel_shape\", 1, 1), {OnnxAttribute}.Ints(\"strides\", {stride}, {stride}));");
                string reshape = $"graph.Node(\"Reshape\", [filter, graph.Int64s(-1, {spec.Taps}, 0, 0)])";
                switch (spec.Normalization)
                {
                    case FilterNormalization.Filter:
                        writer.WriteLine($"filter = {reshape};");
                        writer.WriteLine($"return OnnxFilterNorm(graph, filter, 1, graph.Scalar({FloatLiteral(FilterGain(spec) / spec.KernelSize)}));");
                        break;
                    case FilterNormalization.Batch:
                        writer.WriteLine("filter = OnnxBatchNorm(graph, filter, norm);");
                        writer.WriteLine($"return {reshape};");
                        break;
                    case FilterNormalization.Sigmoid:
                        writer.WriteLine("filter = graph.Node(\"Sigmoid\", [filter]);");
                        writer.WriteLine($"return {reshape};");
                        break;
                    default:
                        writer.WriteLine($"return {reshape};");
                        break;
                }
            }
        }

        private static void WriteOnnxChannelFilter(SourceWriter writer, DdfSpec spec)
        {
            writer.WriteLine($"// The channel branch: global average, 1x1 conv, ReLU, 1x1 conv to C*{spec.Taps} channels (channel c*{spec.Taps} + t), {spec.Normalization} normalisation;");
            writer.WriteLine($"// as (B*{spec.Heads}, C/{spec.Heads}, {spec.Taps}, 1).");
            using (writer.OpenBlock($"private string OnnxChannelFilter({OnnxGraph} graph, string input, string branch)"))
            {
                writer.WriteLine("string filter = graph.Node(\"GlobalAveragePool\", [input]);");
                writer.WriteLine("filter = graph.Node(\"Conv\", [filter, graph.Weight(this, branch + \".1.weight\"), graph.Weight(this, branch + \".1.bias\")]);");
                writer.WriteLine("filter = graph.Node(\"Relu\", [filter]);");
                writer.WriteLine("filter = graph.Node(\"Conv\", [filter, graph.Weight(this, branch + \".3.weight\"), graph.Weight(this, branch + \".3.bias\")]);");
                switch (spec.Normalization)
                {
                    case FilterNormalization.Filter:
                        writer.WriteLine($"filter = graph.Node(\"Reshape\", [filter, graph.Int64s(-1, in_channels, {spec.Taps})]);");
                        writer.WriteLine("// The learnable scale std (C*k*k) as (C, k*k).");
                        writer.WriteLine($"string scale = graph.Node(\"Reshape\", [graph.Weight(this, branch + \".4.std\"), graph.Int64s(in_channels, {spec.Taps})]);");
                        writer.WriteLine("filter = OnnxFilterNorm(graph, filter, 2, scale);");
                        break;
                    case FilterNormalization.Batch:
                        writer.WriteLine("filter = OnnxBatchNorm(graph, filter, branch + \".4\");");
                        break;
                    case FilterNormalization.Sigmoid:
                        writer.WriteLine("filter = graph.Node(\"Sigmoid\", [filter]);");
                        break;
                }
                writer.WriteLine($"return graph.Node(\"Reshape\", [filter, graph.Int64s(-1, in_channels / {spec.Heads}, {spec.Taps}, 1)]);");
            }
        }

        private static void WriteOnnxFilterNorm(SourceWriter writer, DdfSpec spec)
        {
            writer.WriteLine($"// FilterNorm over the {spec.Taps} taps on axis: (f - mean) / (unbiased std + 1e-10) * scale.");
            using (writer.OpenBlock($"private static string OnnxFilterNorm({OnnxGraph} graph, string filter, long axis, string scale)"))
            {
                writer.WriteLine("string axes = graph.Int64s(axis);");
                writer.WriteLine($"string sum = graph.Node(\"ReduceSum\", [filter, axes], {OnnxAttribute}.Int(\"keepdims\", 1));");
                writer.WriteLine($"string centred = graph.Node(\"Sub\", [filter, graph.Node(\"Mul\", [sum, graph.Scalar({FloatLiteral(1.0 / spec.Taps)})])]);");
                writer.WriteLine($"string squares = graph.Node(\"ReduceSum\", [graph.Node(\"Mul\", [centred, centred]), axes], {OnnxAttribute}.Int(\"keepdims\", 1));");
                writer.WriteLine($"string std = graph.Node(\"Sqrt\", [graph.Node(\"Mul\", [squares, graph.Scalar({FloatLiteral(1.0 / (spec.Taps - 1))})])]);");
                writer.WriteLine("string normalised = graph.Node(\"Div\", [centred, graph.Node(\"Add\", [std, graph.Scalar(1E-10f)])]);");
                writer.WriteLine("return graph.Node(\"Mul\", [normalised, scale]);");
            }
        }

        private static void WriteOnnxBatchNorm(SourceWriter writer)
        {
            writer.WriteLine("// BatchNorm2d (eps 1e-5) with its running statistics, as in eval mode.");
            using (writer.OpenBlock($"private string OnnxBatchNorm({OnnxGraph} graph, string filter, string norm)"))
            {
                writer.WriteLine("return graph.Node(\"BatchNormalization\", [filter, graph.Weight(this, norm + \".weight\"), graph.Weight(this, norm + \".bias\"),");
                writer.WriteLine("    graph.Weight(this, norm + \".running_mean\"), graph.Weight(this, norm + \".running_var\")],");
                writer.WriteLine($"    {OnnxAttribute}.Float(\"epsilon\", 1E-05f));");
            }
        }

        private static void WriteOnnxFilter(SourceWriter writer, DdfSpec spec, int s)
        {
            int k = spec.KernelSize, d = spec.Dilation, p2 = 2 * spec.Padding;
            string weight = spec.Branches switch
            {
                FilterBranches.Spatial => "the spatial tap",
                FilterBranches.Channel => "the channel tap",
                _ => spec.Combine == KernelCombine.Add ? "(channel tap + spatial tap)" : "the spatial tap times the channel tap",
            };
            writer.WriteLine($"// The DDF operation: for each tap t = ky*{k} + kx, the padded input's rows ky*{d} + oy*{s} and columns kx*{d} + ox*{s}");
            writer.WriteLine($"// (a Slice from ky*{d} to {p2} - ky*{d} before the padded end, step {s}: Ho = (H - 1) / {s} + 1 rows), times {weight}, summed.");
            using (writer.OpenBlock($"private string OnnxFilter({OnnxGraph} graph, string padded, string? channelFilter, string? spatialFilter)"))
            {
                writer.WriteLine("string? sum = null;");
                using (writer.OpenBlock($"for (long ky = 0; ky < {k}; ky++)"))
                using (writer.OpenBlock($"for (long kx = 0; kx < {k}; kx++)"))
                {
                    writer.WriteLine($"long t = ky * {k} + kx;");
                    writer.WriteLine($"string window = graph.Node(\"Slice\", [padded, graph.Int64s(ky * {d}, kx * {d}), graph.Int64s(SliceEnd(ky * {d} - {p2}), SliceEnd(kx * {d} - {p2})), graph.Int64s(2, 3), graph.Int64s({s}, {s})]);");
                    if (spec.HasSpatial)
                        writer.WriteLine("string spatialTap = graph.Node(\"Slice\", [spatialFilter!, graph.Int64s(t), graph.Int64s(t + 1), graph.Int64s(1)]);");
                    if (spec.HasChannel)
                        writer.WriteLine("string channelTap = graph.Node(\"Slice\", [channelFilter!, graph.Int64s(t), graph.Int64s(t + 1), graph.Int64s(2)]);");
                    writer.WriteLine(spec.Branches switch
                    {
                        FilterBranches.Spatial => "string term = graph.Node(\"Mul\", [window, spatialTap]);",
                        FilterBranches.Channel => "string term = graph.Node(\"Mul\", [window, channelTap]);",
                        _ => spec.Combine == KernelCombine.Add
                            ? "string term = graph.Node(\"Mul\", [window, graph.Node(\"Add\", [channelTap, spatialTap])]);"
                            : "string term = graph.Node(\"Mul\", [graph.Node(\"Mul\", [window, spatialTap]), channelTap]);",
                    });
                    writer.WriteLine("sum = sum is null ? term : graph.Node(\"Add\", [sum, term]);");
                }
                writer.WriteLine(spec.Heads > 1
                    ? "return graph.Node(\"Reshape\", [sum!, graph.Int64s(-1, in_channels, 0, 0)]);"
                    : "return sum!;");
            }
            writer.WriteLine();
            writer.WriteLine("// A Slice end counted back from the padded end; 0 back is the axis end itself.");
            writer.WriteLine($"private static long SliceEnd(long back) => back == 0 ? {OnnxGraph}.End : back;");
        }

        private static double FilterGain(DdfSpec spec) => spec.Kind == LayerKind.Upsample ? 1.0 : System.Math.Sqrt(2.0);

        /// <summary>A float as a C# literal, invariant and round-trippable: 0.47140452f, 1E-10f.</summary>
        private static string FloatLiteral(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
    }
}
