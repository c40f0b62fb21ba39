using System.Runtime.CompilerServices;
using ILGPU;

namespace Ddf.Runtime;

/// <summary>
/// Device side: zero selects as bit masks. A kernel with many per-thread conditions (the one-pass backward has ~20) runs
/// out of the 7 predicate registers, and ptxas then packs the conditions into a register and unpacks one per select
/// (LOP3 + P2R + ISETP + SEL, about 4 instructions); a mask of all ones or all zeros per condition, kept in a register,
/// makes each select one AND (two conditions at once: one 3-input LOP3). The kept value is the value bit for bit, the
/// dropped one +0, so an infinity never meets a zero (Inf * 0 would be NaN), exactly as with a select.
/// </summary>
/// <typeparam name="T">The element type (float32 or float64).</typeparam>
public interface IDdfGpuBits<T> where T : unmanaged
{
    /// <summary><paramref name="value"/> where <paramref name="mask"/> is -1 (all ones), +0 where it is 0.</summary>
    static abstract T Keep(T value, int mask);
}

/// <summary>The bit masks of <see cref="IDdfGpuBits{T}"/> for float32 and float64, and the masks themselves.</summary>
public static class DdfGpuBits
{
    /// <summary>
    /// Device side: the mask of 0 &lt;= <paramref name="value"/> &lt; <paramref name="size"/> (size &gt; 0): all ones (-1) where it
    /// holds, else 0, from the sign bits of value and size - 1 - value. Arithmetic on purpose: a mask made by a select
    /// (<c>condition ? -1 : 0</c>) is recognised by ptxas, which turns each AND with it back into a select on a predicate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Inside(int value, int size) => ~((value | (size - 1 - value)) >> 31);

    /// <summary>float32: one 32-bit AND.</summary>
    public readonly struct Single : IDdfGpuBits<float>
    {
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Keep(float value, int mask) => Interop.IntAsFloat(Interop.FloatAsInt(value) & (uint)mask);
    }

    /// <summary>float64: the mask sign-extended to 64 bits, one AND per half.</summary>
    public readonly struct Double : IDdfGpuBits<double>
    {
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Keep(double value, int mask) => Interop.IntAsFloat(Interop.FloatAsInt(value) & (ulong)(long)mask);
    }
}
