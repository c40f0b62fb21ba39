using System;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TestSupport;

public static class AssertClose
{
    /// <summary>Fails unless |expected - actual| &lt;= atol + rtol * |expected| everywhere, reporting the worst element.</summary>
    public static void Tensors(Tensor expected, Tensor actual, double atol, double rtol)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.detach().to(ScalarType.Float64);
        var a = actual.detach().to(ScalarType.Float64);
        var excess = (e - a).abs() - (atol + rtol * e.abs());
        if (excess.numel() == 0)
            return;
        long worst = excess.flatten().argmax().item<long>();
        double ev = e.flatten()[worst].item<double>(), av = a.flatten()[worst].item<double>();
        if (Math.Abs(ev - av) > atol + rtol * Math.Abs(ev) || double.IsNaN(av))
            Assert.Fail($"tensors differ at flat index {worst}: expected {ev:R}, got {av:R} (atol {atol}, rtol {rtol})");
    }

    /// <summary>Fails unless both tensors hold exactly the same bits.</summary>
    public static void Bitwise(Tensor expected, Tensor actual, string because)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        var e = expected.detach().contiguous().view(-1).to(ScalarType.Float64).data<double>().ToArray();
        var a = actual.detach().contiguous().view(-1).to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(e[i]) != BitConverter.DoubleToInt64Bits(a[i]))
                Assert.Fail($"{because}: flat index {i}, {e[i]:R} vs {a[i]:R}");
        }
    }
}
