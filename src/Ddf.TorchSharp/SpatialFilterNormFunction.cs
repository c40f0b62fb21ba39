using System.Collections.Generic;
using Ddf.Runtime;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>
/// Spatial filter normalisation on the CPU in one fused pass (<see cref="FilterNormKernels"/>) instead
/// of six TorchSharp ops, each a fresh tensor; differentiable. Arguments: filters (B, groups * taps, H, W),
/// groups, taps, scale.
/// </summary>
internal sealed unsafe class SpatialFilterNormFunction : autograd.SingleTensorFunction<SpatialFilterNormFunction>
{
    public override string Name => "SpatialFilterNormBackward";

    public static Tensor Apply(Tensor filters, int groups, int taps, double scale) =>
        is_grad_enabled() && filters.requires_grad
            ? apply(filters, groups, taps, scale)
            : Run(filters, null, groups, taps, scale);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var filters = (Tensor)vars[0];
        ctx.save_for_backward([filters]);
        ctx.save_data("shape", new[] { (int)vars[1], (int)vars[2] });
        ctx.save_data("scale", (double)vars[3]);
        return Run(filters, null, (int)vars[1], (int)vars[2], (double)vars[3]);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var shape = (int[])ctx.get_data("shape");
        return [Run(ctx.get_saved_variables()[0], grad_output, shape[0], shape[1], (double)ctx.get_data("scale")), null!, null!, null!];
    }

    /// <summary>The normalised filters, or (with <paramref name="gradOutput"/>) the gradient of the input.</summary>
    private static Tensor Run(Tensor filters, Tensor? gradOutput, int groups, int taps, double scale)
    {
        using var input = filters.contiguous();
        using var upstream = gradOutput?.contiguous();
        var result = ReusedTensorMemory.Empty(filters.shape, filters);
        int batches = (int)filters.shape[0];
        long pixels = filters.shape[2] * filters.shape[3];
        if (filters.dtype == ScalarType.Float32)
        {
            float* x = TensorMemory.Pointer<float>(input), y = TensorMemory.Pointer<float>(result);
            if (upstream is null)
                FilterNormKernels.Forward(x, y, batches, groups, taps, pixels, (float)scale);
            else
                FilterNormKernels.Backward(x, TensorMemory.Pointer<float>(upstream), y, batches, groups, taps, pixels, (float)scale);
        }
        else
        {
            double* x = TensorMemory.Pointer<double>(input), y = TensorMemory.Pointer<double>(result);
            if (upstream is null)
                FilterNormKernels.Forward(x, y, batches, groups, taps, pixels, scale);
            else
                FilterNormKernels.Backward(x, TensorMemory.Pointer<double>(upstream), y, batches, groups, taps, pixels, scale);
        }
        return result;
    }
}
