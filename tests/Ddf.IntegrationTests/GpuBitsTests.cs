using System;
using System.Linq;
using Ddf.Runtime;
using Xunit;

namespace Ddf.IntegrationTests;

/// <summary>
/// The bit-mask selects of the one-pass GPU backward (<see cref="DdfGpuBits"/>), on the host: a mask is all ones exactly
/// where the coordinate lies in [0, size), and Keep returns the value bit for bit or +0, for every kind of value.
/// </summary>
public sealed class GpuBitsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(300)]
    [InlineData(int.MaxValue)]
    public void Inside_is_all_ones_exactly_inside_the_size(int size)
    {
        // Both ends of the range and a few steps past them (the kernels ask about coordinates up to k - 1 outside).
        var values = Enumerable.Range(-9, 19).SelectMany(d => new[] { d, size - 1 + d }).Distinct();
        foreach (int value in values)
            Assert.Equal((uint)value < (uint)size ? -1 : 0, DdfGpuBits.Inside(value, size));
    }

    [Fact]
    public void Keep_returns_the_value_bit_for_bit_or_positive_zero()
    {
        float[] singles = [1.5f, -0f, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC0_1234), float.Epsilon, -3e38f];
        foreach (float value in singles)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(DdfGpuBits.Single.Keep(value, -1)));
            Assert.Equal(0, BitConverter.SingleToInt32Bits(DdfGpuBits.Single.Keep(value, 0)));
        }
        double[] doubles = [1.5, -0d, double.PositiveInfinity, double.NegativeInfinity, BitConverter.Int64BitsToDouble(0x7FF8_0000_DEAD_BEEF), double.Epsilon, -1e308];
        foreach (double value in doubles)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(DdfGpuBits.Double.Keep(value, -1)));
            Assert.Equal(0L, BitConverter.DoubleToInt64Bits(DdfGpuBits.Double.Keep(value, 0)));
        }
    }
}
