using System;
using System.Runtime.InteropServices;
using System.Linq;
using Ddf.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

public class DdfGradientTests
{
    /// <summary>The three gradients, from the op and from TorchSharp's autograd through the unfold reference.</summary>
    private static (Tensor?[] Actual, Tensor?[] Expected) Gradients(DdfCase ddfCase, ScalarType dtype, bool[] wants)
    {
        var (x, cf, sf) = ddfCase.Inputs();
        var probe = randn([ddfCase.B, ddfCase.C, ddfCase.OutHeight, ddfCase.OutWidth], ScalarType.Float64, generator: new Generator(3));

        Tensor?[] Leaves(ScalarType type) =>
            new[] { x, cf, sf }.Select((t, i) => t?.to(type).detach().requires_grad_(wants[i])).ToArray();

        var actual = Leaves(dtype);
        (ddfCase.Op(actual[0]!, actual[1], actual[2]) * probe.to(dtype)).sum().backward();
        var expected = Leaves(ScalarType.Float64);
        (ddfCase.Reference(expected[0]!, expected[1], expected[2]) * probe).sum().backward();
        return (actual.Select(t => t?.grad).ToArray(), expected.Select(t => t?.grad).ToArray());
    }

    [Theory]
    [MemberData(nameof(DdfCases.All), MemberType = typeof(DdfCases))]
    public void Float64_gradients_match_the_reference_autograd(int b, int c, int h, int w, int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf)
    {
        var (actual, expected) = Gradients(DdfCases.Make(b, c, h, w, k, d, s, combine, hasCf, hasSf), ScalarType.Float64, [true, true, true]);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i] is null, actual[i] is null);
            if (expected[i] is not null)
                AssertClose.Tensors(expected[i]!, actual[i]!, 1e-11, 1e-11);
        }
    }

    [Theory]
    [MemberData(nameof(DdfCases.All), MemberType = typeof(DdfCases))]
    public void Float32_gradients_match_the_float64_reference(int b, int c, int h, int w, int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf)
    {
        var (actual, expected) = Gradients(DdfCases.Make(b, c, h, w, k, d, s, combine, hasCf, hasSf), ScalarType.Float32, [true, true, true]);
        for (int i = 0; i < 3; i++)
        {
            if (expected[i] is not null)
            {
                Assert.Equal(ScalarType.Float32, actual[i]!.dtype);
                AssertClose.Tensors(expected[i]!, actual[i]!, 1e-3, 1e-4);
            }
        }
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    [InlineData(true, true, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    public void Only_inputs_that_require_grad_receive_gradients(bool inputGrad, bool channelGrad, bool spatialGrad)
    {
        var ddfCase = DdfCases.Make(2, 5, 9, 13, 3, 2, 2, KernelCombine.Mul, true, true);
        bool[] wants = [inputGrad, channelGrad, spatialGrad];
        if (!wants.Any(w => w))
        {
            var (x, cf, sf) = ddfCase.Inputs();
            var output = ddfCase.Op(x, cf, sf);
            Assert.False(output.requires_grad);
            Assert.Throws<ExternalException>(() => output.sum().backward());
            return;
        }

        var (actual, expected) = Gradients(ddfCase, ScalarType.Float64, wants);
        for (int i = 0; i < 3; i++)
        {
            if (wants[i])
                AssertClose.Tensors(expected[i]!, actual[i]!, 1e-11, 1e-11);
            else
                Assert.Null(actual[i]);
        }
    }

    [Theory]
    [InlineData(3, 1, KernelCombine.Mul)]
    [InlineData(5, 2, KernelCombine.Add)]
    public void Channel_filter_gradient_alone_matches_the_reference(int k, int dilation, KernelCombine combine)
    {
        // Only the channel filter requires grad: the kernels sum each channel pair's rows straight into the output
        // (no per-row-tile partials); rows wide enough for the vector path and its masked last vector.
        var (actual, expected) = Gradients(DdfCases.Make(2, 5, 11, 45, k, dilation, 1, combine, true, true), ScalarType.Float64, [false, true, false]);
        Assert.Null(actual[0]);
        Assert.Null(actual[2]);
        AssertClose.Tensors(expected[1]!, actual[1]!, 1e-11, 1e-11);
    }

    [Theory]
    [InlineData(2, 3, 5, 4, 3, 1, 1, KernelCombine.Mul, true, true)]
    [InlineData(1, 2, 5, 7, 3, 2, 2, KernelCombine.Add, true, true)]
    [InlineData(2, 2, 4, 5, 1, 1, 1, KernelCombine.Mul, true, true)]
    [InlineData(1, 3, 6, 5, 5, 1, 1, KernelCombine.Mul, false, true)]
    [InlineData(2, 2, 6, 3, 3, 1, 2, KernelCombine.Add, true, false)]
    [InlineData(1, 2, 3, 11, 3, 1, 1, KernelCombine.Mul, true, true)]
    public void Float64_gradients_match_finite_differences(int b, int c, int h, int w, int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf)
    {
        var ddfCase = DdfCases.Make(b, c, h, w, k, d, s, combine, hasCf, hasSf);
        var (x, cf, sf) = ddfCase.Inputs();
        var present = DdfCase.Present(x, cf, sf);

        GradCheck.Check(args =>
        {
            int next = 0;
            var px = args[next++];
            var pcf = hasCf ? args[next++] : null;
            var psf = hasSf ? args[next] : null;
            return ddfCase.Op(px, pcf, psf);
        }, present);
    }

    [Fact]
    public void Gradients_are_bitwise_identical_across_runs_and_thread_counts()
    {
        var ddfCase = DdfCases.Make(2, 40, 33, 47, 3, 1, 1, KernelCombine.Mul, true, true);
        Tensor[] Run()
        {
            var (x, cf, sf) = ddfCase.Inputs();
            var leaves = new[] { x, cf!, sf! }.Select(t => t.to(ScalarType.Float32).requires_grad_(true)).ToArray();
            var probe = randn([ddfCase.B, ddfCase.C, ddfCase.OutHeight, ddfCase.OutWidth], generator: new Generator(5));
            (ddfCase.Op(leaves[0], leaves[1], leaves[2]) * probe).sum().backward();
            return leaves.Select(t => t.grad!).ToArray();
        }

        Tensor[] RunOn(int threads)
        {
            int saved = CpuParallelism.MaxDegreeOfParallelism;
            CpuParallelism.MaxDegreeOfParallelism = threads;
            try
            {
                return Run();
            }
            finally
            {
                CpuParallelism.MaxDegreeOfParallelism = saved;
            }
        }

        var first = Run();
        var second = Run();
        // One thread fuses the input gradient into the filter-gradient pass (10 row tiles are plenty); 64 threads
        // would leave most idle, so there it runs as its own pass: both must give the same bits.
        var single = RunOn(1);
        var many = RunOn(64);
        for (int i = 0; i < 3; i++)
        {
            AssertClose.Bitwise(first[i], second[i], $"gradient {i} differs between two runs");
            AssertClose.Bitwise(first[i], single[i], $"gradient {i} differs between all cores and one thread");
            AssertClose.Bitwise(first[i], many[i], $"gradient {i} differs between all cores and 64 threads (separate input-gradient pass)");
        }
    }

    [Theory]
    [InlineData(3, 1, KernelCombine.Mul)]
    [InlineData(3, 1, KernelCombine.Add)]
    [InlineData(3, 2, KernelCombine.Mul)]
    [InlineData(3, 2, KernelCombine.Add)]
    [InlineData(5, 1, KernelCombine.Add)]
    public void Generic_kernels_match_the_reference_for_the_specs_ops_runs_specialised(int k, int stride, KernelCombine combine)
    {
        // ops.ddf runs generated kernels for these specs; the generic ones must stay right for them too.
        var ddfCase = DdfCases.Make(2, 5, 11, 37, k, 1, stride, combine, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        var probe = randn([ddfCase.B, ddfCase.C, ddfCase.OutHeight, ddfCase.OutWidth], ScalarType.Float64, generator: new Generator(3));
        var geometry = DdfTensors.Validate(x, cf, sf, k, 1, stride, combine);
        var kernels = DdfCpuKernelSet.Generic(true, true, combine);

        var output = DdfTensors.Forward(x, cf, sf, geometry, kernels);
        var (dx, dcf, dsf) = DdfTensors.Backward(x, cf, sf, probe, geometry, kernels, true, true, true);

        var leaves = new[] { x, cf!, sf! }.Select(t => t.detach().requires_grad_(true)).ToArray();
        var expected = ddfCase.Reference(leaves[0], leaves[1], leaves[2]);
        (expected * probe).sum().backward();
        AssertClose.Tensors(expected, output, 1e-12, 1e-12);
        AssertClose.Tensors(leaves[0].grad!, dx!, 1e-11, 1e-11);
        AssertClose.Tensors(leaves[1].grad!, dcf!, 1e-11, 1e-11);
        AssertClose.Tensors(leaves[2].grad!, dsf!, 1e-11, 1e-11);
    }
}
