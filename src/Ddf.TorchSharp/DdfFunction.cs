using System.Collections.Generic;
using Ddf.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>
/// The autograd function of the generic DDF operation. Stateless (TorchSharp keeps one instance):
/// everything a call needs travels in the context. Forward arguments: input, channel filter (or null),
/// spatial filter (or null), <see cref="DdfGeometry"/>, the <see cref="DdfCpuKernelSet"/> and <see cref="DdfGpuKernelSet"/> to run.
/// </summary>
internal sealed class DdfFunction : autograd.SingleTensorFunction<DdfFunction>
{
    public override string Name => "DdfBackward";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var channelFilter = vars[1] as Tensor;
        var spatialFilter = vars[2] as Tensor;
        var geometry = (DdfGeometry)vars[3];
        var kernels = (DdfCpuKernelSet)vars[4];
        var gpuKernels = (DdfGpuKernelSet)vars[5];
        ctx.save_for_backward([input, channelFilter!, spatialFilter!]);
        ctx.save_data("geometry", geometry);
        ctx.save_data("kernels", kernels);
        ctx.save_data("gpuKernels", gpuKernels);
        ctx.save_data("needs", new[] { input.requires_grad, channelFilter?.requires_grad == true, spatialFilter?.requires_grad == true });
        return DdfTensors.Forward(input, channelFilter, spatialFilter, geometry, kernels, gpuKernels);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var needs = (bool[])ctx.get_data("needs");
        var (dx, dcf, dsf) = DdfTensors.Backward(saved[0], saved[1], saved[2], grad_output,
            (DdfGeometry)ctx.get_data("geometry"), (DdfCpuKernelSet)ctx.get_data("kernels"), needs[0], needs[1], needs[2],
            (DdfGpuKernelSet)ctx.get_data("gpuKernels"));
        return [dx!, dcf!, dsf!, null!, null!, null!];
    }
}
