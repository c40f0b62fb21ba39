using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Ddf.Generators.Helpers;
using static Ddf.Generators.KnownTypes;

namespace Ddf.Generators;

/// <summary>
/// Warp sums of many values at once by recursive halving: at each exchange (lane distance 16, 8, 4, 2, 1) slot i of the
/// m slots a lane holds is paired with slot i + ceil(m / 2); the lanes whose distance bit is 0 keep the first of each pair
/// and send the second to the lane that far, the others the reverse, and each adds what it receives, so the slots halve
/// and each is summed over twice the lanes. An unpaired slot is exchanged whole (both lanes then hold the same sum,
/// bitwise: the addition commutes). After the five exchanges every slot a lane holds is a sum over the whole warp, in
/// an order fixed by the lane numbers. For m = 36 that is 37 shuffles instead of 180 for a shuffle tree per value, and
/// every lane ends with a few sums to store instead of lane 0 with all of them.
/// </summary>
internal static class GpuWarpExchanges
{
    /// <summary>The lane distances of the exchanges, one per bit of the lane (the tiled kernels run in warps of 32).</summary>
    private static readonly int[] Offsets = { 16, 8, 4, 2, 1 };

    /// <summary>
    /// Declares what the exchanges of <paramref name="count"/> values need: <c>lane</c>, <c>hi{o}</c> (the lane's bit of
    /// each exchange that pairs slots) and <c>slot{o}_{i}</c> (which value's sum slot i holds after exchange o: the same
    /// exchanges applied to the values' indices). Returns, per slot the lane ends with, the index of its value (a name
    /// or a constant).
    /// </summary>
    internal static List<string> WriteLanes(SourceWriter w, int count)
    {
        var offsets = new List<int>();
        var lines = new List<string>();
        var indices = Exchange(Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), (slot, offset, first, second) =>
        {
            if (second is null)
                return first;
            if (!offsets.Contains(offset))
                offsets.Add(offset);
            string declared = $"slot{offset}_{slot}";
            lines.Add($"int {declared} = hi{offset} ? {second} : {first};");
            return declared;
        });
        w.WriteLine($"int lane = {Ilgpu}.Warp.LaneIdx;");
        if (offsets.Count > 0)
            w.WriteLine("bool " + string.Join(", ", offsets.Select(o => $"hi{o} = (lane & {o}) != 0")) + ";");
        foreach (string line in lines)
            w.WriteLine(line);
        return indices;
    }

    /// <summary>
    /// Writes the exchanges of <paramref name="values"/> (after <see cref="WriteLanes"/> for as many), declaring
    /// <c>e{o}_{i}</c>: slot i after exchange o. Returns the warp sums the lane ends with, in the order of the indices
    /// <see cref="WriteLanes"/> returned.
    /// </summary>
    internal static List<string> WriteSums(SourceWriter w, IReadOnlyList<string> values) =>
        Exchange(values.ToList(), (slot, offset, first, second) =>
        {
            string declared = $"e{offset}_{slot}";
            w.WriteLine(second is null
                ? $"T {declared} = {first} + {Ilgpu}.Warp.ShuffleXor({first}, {offset});"
                : $"T {declared} = (hi{offset} ? {second} : {first}) + {Ilgpu}.Warp.ShuffleXor(hi{offset} ? {first} : {second}, {offset});");
            return declared;
        });

    /// <summary>The five exchanges over <paramref name="slots"/>; <paramref name="exchange"/>(slot, offset, first, second or null) names each result.</summary>
    private static List<string> Exchange(List<string> slots, Func<int, int, string, string?, string> exchange)
    {
        foreach (int offset in Offsets)
        {
            int m = slots.Count, h = (m + 1) / 2;
            slots = Enumerable.Range(0, h).Select(i => exchange(i, offset, slots[i], i + h < m ? slots[i + h] : null)).ToList();
        }
        return slots;
    }
}
