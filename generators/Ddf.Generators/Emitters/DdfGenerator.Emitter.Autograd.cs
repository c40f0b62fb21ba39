using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

public sealed partial class DdfGenerator
{
    internal static partial class Emitter
    {
        /// <summary>The typed front door <c>filter(...)</c> and the stateless autograd function over the specialised kernels.</summary>
        private static void WriteAutograd(SourceWriter w, DdfSpec spec)
        {
            string name = spec.TypeName;
            string parameters = spec.Branches switch
            {
                FilterBranches.Spatial => $"{Tensor} input, {Tensor} spatial_filter",
                FilterBranches.Channel => $"{Tensor} input, {Tensor} channel_filter",
                _ => $"{Tensor} input, {Tensor} channel_filter, {Tensor} spatial_filter",
            };
            string cf = spec.HasChannel ? "channel_filter" : "null";
            string sf = spec.HasSpatial ? "spatial_filter" : "null";
            string grad = spec.HasChannel && spec.HasSpatial
                ? "input.requires_grad || channel_filter.requires_grad || spatial_filter.requires_grad"
                : $"input.requires_grad || {(spec.HasChannel ? cf : sf)}.requires_grad";
            string cfDoc = spec.HasChannel ? "\n/// <param name=\"channel_filter\">Per-channel filters (B, C, k, k).</param>" : "";
            string sfDoc = spec.HasSpatial ? "\n/// <param name=\"spatial_filter\">Per-pixel filters (B, k*k, Ho, Wo).</param>" : "";
            w.WriteLine($$"""
                /// <summary>
                /// The DDF operation with this layer's settings (k = {{spec.KernelSize}}, dilation {{spec.Dilation}}, stride {{spec.Stride}}, {{spec.Branches}}, {{spec.Combine}}) on its
                /// specialised CPU kernels (CUDA tensors: its GPU kernels); differentiable in every tensor. Same semantics as Ddf.ops.ddf.
                /// </summary>
                /// <param name="input">Input (B, C, H, W).</param>{{cfDoc}}{{sfDoc}}
                public static {{Tensor}} filter({{parameters}})
                {
                    var geometry = global::Ddf.DdfTensors.Validate(input, {{cf}}, {{sf}}, Spec.KernelSize, Spec.Dilation, Spec.Stride, Spec.Combine);
                    return global::TorchSharp.torch.is_grad_enabled() && ({{grad}})
                        ? FilterFunction.apply(input, {{cf}}!, {{sf}}!, geometry)
                        : global::Ddf.DdfTensors.Forward(input, {{cf}}, {{sf}}, geometry, CpuKernels.Set, GpuKernels.Set);
                }

                /// <summary>
                /// Autograd function of <see cref="filter"/>: stateless (TorchSharp keeps one instance), everything a call
                /// needs travels in its context. Arguments: input, channel filter or null, spatial filter or null, geometry.
                /// </summary>
                {{GeneratedCode}}
                private sealed class FilterFunction : global::TorchSharp.torch.autograd.SingleTensorFunction<FilterFunction>
                {
                    public override string Name => "{{name}}Backward";

                    public override {{Tensor}} forward(global::TorchSharp.torch.autograd.AutogradContext ctx, params object[] vars)
                    {
                        var input = ({{Tensor}})vars[0];
                        var channelFilter = vars[1] as {{Tensor}};
                        var spatialFilter = vars[2] as {{Tensor}};
                        var geometry = (global::Ddf.Runtime.DdfGeometry)vars[3];
                        ctx.save_for_backward(new global::System.Collections.Generic.List<{{Tensor}}> { input, channelFilter!, spatialFilter! });
                        ctx.save_data("geometry", geometry);
                        ctx.save_data("needs", new[] { input.requires_grad, channelFilter?.requires_grad == true, spatialFilter?.requires_grad == true });
                        return global::Ddf.DdfTensors.Forward(input, channelFilter, spatialFilter, geometry, CpuKernels.Set, GpuKernels.Set);
                    }

                    public override global::System.Collections.Generic.List<{{Tensor}}> backward(global::TorchSharp.torch.autograd.AutogradContext ctx, {{Tensor}} grad_output)
                    {
                        var saved = ctx.get_saved_variables();
                        var needs = (bool[])ctx.get_data("needs");
                        var (input, channelFilter, spatialFilter) = global::Ddf.DdfTensors.Backward(saved[0], saved[1], saved[2], grad_output,
                            (global::Ddf.Runtime.DdfGeometry)ctx.get_data("geometry"), CpuKernels.Set, needs[0], needs[1], needs[2], GpuKernels.Set);
                        return new global::System.Collections.Generic.List<{{Tensor}}> { input!, channelFilter!, spatialFilter!, null! };
                    }
                }
                """);
        }
    }
}
