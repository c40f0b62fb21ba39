using Ddf.Generators;
using Ddf.Generators.Helpers;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// The kernel plans' decisions, against values worked out by hand from the rules their docs state (window columns of
/// 2 pixels at p * s + v * d, a 48-load budget per channel iteration, 64 channel-gradient accumulators).
/// </summary>
public class KernelPlanTests
{
    private static Ddf.Generators.Model.DdfSpec Spec(int k, int d = 1, int s = 1, FilterBranches branches = FilterBranches.Both, KernelCombine combine = KernelCombine.Mul) =>
        new(null, "Layer", EquatableArray<Ddf.Generators.Model.ContainingType>.Empty, k, d, s, 1, 0.2, FilterNormalization.Filter, branches, combine);

    [Theory]
    // k, d, s: forward pixels, loads, unroll; input-gradient pixels, loads, unroll; gradient channels; min blocks (2 where
    // ptxas would otherwise give the kernels more than 128 registers: runs of 4 and one-pass backward, k = 5 and 7)
    [InlineData(3, 1, 1, 4, 18, 2, 2, 12, 4, 4, 2)] // forward: runs of 4, 3 rows x 6 columns; input gradient 3 rows x 4 columns
    [InlineData(3, 2, 1, 4, 24, 2, 2, 18, 2, 4, 2)] // forward columns 0 to 7; input gradient {0, 1, 2, 3, 4, 5}
    [InlineData(3, 1, 2, 2, 15, 3, 1, 9, 4, 4, 0)] // forward columns {0, 1, 2, 3, 4}; strided input gradient: 1 pixel
    [InlineData(5, 1, 1, 2, 30, 1, 2, 30, 1, 2, 2)]
    [InlineData(7, 1, 1, 1, 49, 1, 1, 49, 1, 1, 2)]
    public void The_GPU_plan_sizes_windows_unrolls_and_registers_as_its_rules_say(
        int k, int d, int s, int pixels, int loads, int unroll, int inputPixels, int inputLoads, int inputUnroll, int gradientChannels, int minBlocks)
    {
        var plan = GpuKernelPlan.For(Spec(k, d, s));
        Assert.True(plan.Unrolled);
        Assert.Equal((pixels, loads, unroll), (plan.Forward.Window.Pixels, plan.Forward.Window.Loads, plan.Forward.Unroll));
        Assert.Equal((inputPixels, inputLoads, inputUnroll), (plan.InputGradient.Window.Pixels, plan.InputGradient.Window.Loads, plan.InputGradient.Unroll));
        Assert.Equal((plan.QuadForward ? "ForwardUnroll" : "Unroll", "InputUnroll"), (plan.Forward.UnrollConstant, plan.InputGradient.UnrollConstant));
        Assert.Equal(gradientChannels, plan.GradientChannels);
        Assert.Equal(minBlocks, plan.MinBlocks);
        Assert.False(plan.SpatialGradient.MasksThroughWeights);
    }

    [Fact]
    public void Kernels_above_k_7_run_the_generic_GPU_kernels()
    {
        Assert.True(GpuKernelPlan.For(Spec(7)).Unrolled);
        Assert.False(GpuKernelPlan.For(Spec(9)).Unrolled);
    }

    [Theory]
    // The channel gradient shares a run of 2 pixels only where their windows overlap: k = 3, d = 2 reads columns
    // {0, 2, 4} and {1, 3, 5}, six distinct ones, as many as two single pixels.
    [InlineData(3, 1, 2)]
    [InlineData(3, 2, 1)]
    [InlineData(3, 3, 1)]
    [InlineData(5, 1, 2)]
    public void The_channel_gradient_shares_pixels_only_where_their_windows_overlap(int k, int d, int pixels) =>
        Assert.Equal(pixels, GpuKernelPlan.For(Spec(k, d)).ChannelGradientWindow.Pixels);

    [Theory]
    // Runs of 4 where k = 3, stride 1 and a lane's window edges lie within its neighbours' runs (padding at most 4).
    [InlineData(3, 1, 1, true)]
    [InlineData(3, 4, 1, true)]
    [InlineData(3, 5, 1, false)]
    [InlineData(3, 1, 2, false)]
    [InlineData(5, 1, 1, false)]
    public void The_forward_runs_4_pixels_per_thread_only_where_neighbouring_lanes_hold_its_window_edges(int k, int d, int s, bool quad)
    {
        var plan = GpuKernelPlan.For(Spec(k, d, s));
        Assert.Equal(quad, plan.QuadForward);
        Assert.Equal(quad, plan.FusedBackward);
        Assert.Equal(quad ? 4 : k == 7 ? 1 : 2, plan.Forward.Window.Pixels);
        // The runs mask values where they are loaded, never through the weights; the gradient kernels keep 2 pixels.
        Assert.False(quad && plan.Forward.MasksThroughWeights);
        Assert.Equal(k == 7 ? 1 : 2, plan.SpatialGradient.Window.Pixels);
    }

    [Theory]
    [InlineData(FilterBranches.Both, KernelCombine.Mul, 1, true, true)]
    [InlineData(FilterBranches.Spatial, KernelCombine.Mul, 1, true, true)]
    [InlineData(FilterBranches.Both, KernelCombine.Add, 1, false, false)]
    [InlineData(FilterBranches.Channel, KernelCombine.Mul, 1, false, false)]
    [InlineData(FilterBranches.Both, KernelCombine.Mul, 2, true, false)] // a strided transposed window hits taps by divisibility
    public void Padded_taps_are_dropped_through_the_weights_only_where_every_weight_scales_with_the_spatial_tap(
        FilterBranches branches, KernelCombine combine, int stride, bool forward, bool inputGradient)
    {
        // k = 5: k = 3 at stride 1 runs the forward in runs of 4, which mask values instead.
        var plan = GpuKernelPlan.For(Spec(5, 1, stride, branches, combine));
        Assert.Equal(forward, plan.Forward.MasksThroughWeights);
        Assert.Equal(inputGradient, plan.InputGradient.MasksThroughWeights);
    }

    [Theory]
    [InlineData(3, 1, FilterBranches.Both, true, false, true)]
    [InlineData(5, 1, FilterBranches.Both, true, false, true)]
    [InlineData(3, 2, FilterBranches.Both, true, true, false)]
    [InlineData(3, 1, FilterBranches.Channel, true, false, false)] // no spatial load to share between two channels
    [InlineData(7, 1, FilterBranches.Both, false, false, false)]
    public void The_CPU_plan_unrolls_up_to_k_5_and_pairs_channels_only_where_they_share_spatial_loads(
        int k, int s, FilterBranches branches, bool unrolled, bool strided, bool pairs) =>
        Assert.Equal(new CpuKernelPlan(unrolled, strided, pairs), CpuKernelPlan.For(Spec(k, 1, s, branches)));
}
