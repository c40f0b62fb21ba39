using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

public class DdfForwardTests
{
    [Theory]
    [MemberData(nameof(DdfCases.All), MemberType = typeof(DdfCases))]
    public void Float64_matches_the_unfold_reference(int b, int c, int h, int w, int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf)
    {
        var ddfCase = DdfCases.Make(b, c, h, w, k, d, s, combine, hasCf, hasSf);
        var (x, cf, sf) = ddfCase.Inputs();

        var actual = ddfCase.Op(x, cf, sf);

        Assert.Equal(new long[] { b, c, ddfCase.OutHeight, ddfCase.OutWidth }, actual.shape);
        Assert.Equal(ScalarType.Float64, actual.dtype);
        AssertClose.Tensors(ddfCase.Reference(x, cf, sf), actual, 1e-12, 1e-12);
    }

    [Theory]
    [MemberData(nameof(DdfCases.All), MemberType = typeof(DdfCases))]
    public void Float32_matches_the_float64_reference(int b, int c, int h, int w, int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf)
    {
        var ddfCase = DdfCases.Make(b, c, h, w, k, d, s, combine, hasCf, hasSf);
        var (x, cf, sf) = ddfCase.Inputs();

        var actual = ddfCase.Op(x.to(ScalarType.Float32), cf?.to(ScalarType.Float32), sf?.to(ScalarType.Float32));

        Assert.Equal(ScalarType.Float32, actual.dtype);
        AssertClose.Tensors(ddfCase.Reference(x, cf, sf), actual.to(ScalarType.Float64), 1e-4, 1e-5);
    }

    [Fact]
    public void Non_contiguous_inputs_give_the_same_result_as_contiguous_ones()
    {
        var ddfCase = DdfCases.Make(2, 6, 11, 19, 3, 1, 1, KernelCombine.Mul, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        var xT = x.transpose(2, 3).contiguous().transpose(2, 3);
        var cfT = cf!.transpose(0, 1).contiguous().transpose(0, 1);
        var sfT = sf!.transpose(2, 3).contiguous().transpose(2, 3);
        Assert.False(xT.is_contiguous());

        AssertClose.Bitwise(ddfCase.Op(x, cf, sf), ddfCase.Op(xT, cfT, sfT), "non-contiguous inputs changed the result");
    }

    [Fact]
    public void An_input_slice_with_a_storage_offset_reads_its_own_elements()
    {
        var ddfCase = DdfCases.Make(1, 4, 9, 12, 3, 1, 1, KernelCombine.Add, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        var big = cat([randn_like(x), x], 0);
        var slice = big[1..2];

        AssertClose.Tensors(ddfCase.Reference(x, cf, sf), ddfCase.Op(slice, cf, sf), 1e-12, 1e-12);
    }

    [Fact]
    public void Without_gradients_the_output_is_not_part_of_a_graph()
    {
        var ddfCase = DdfCases.Make(1, 2, 5, 5, 3, 1, 1, KernelCombine.Mul, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        x.requires_grad_(true);

        using (no_grad())
            Assert.False(ddfCase.Op(x, cf, sf).requires_grad);
        Assert.True(ddfCase.Op(x, cf, sf).requires_grad);
    }
}
