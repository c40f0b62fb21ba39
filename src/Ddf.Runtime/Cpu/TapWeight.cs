using System.Numerics;

namespace Ddf.Runtime;

/// <summary>
/// How a tap's weight is formed from the channel filter value <c>cf</c> and the spatial filter value
/// <c>sf</c> (paper Eq. 2). Kernels are generic over a struct implementing this, so the JIT emits one
/// specialised loop per mode with no branch inside.
/// </summary>
public interface ITapWeight<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True when the weight reads the channel filter.</summary>
    static abstract bool HasChannel { get; }

    /// <summary>True when the weight reads the spatial filter.</summary>
    static abstract bool HasSpatial { get; }

    /// <summary>True when d(weight)/d(sf) = cf (Mul), false when it is 1 (Add, spatial only).</summary>
    static abstract bool IsProduct { get; }

    /// <summary><c>acc + weight(cf, sf) * v</c>.</summary>
    static abstract Vector<T> Accumulate(Vector<T> acc, Vector<T> v, Vector<T> cf, Vector<T> sf);

    /// <summary><c>acc + weight(cf, sf) * v</c>.</summary>
    static abstract T Accumulate(T acc, T v, T cf, T sf);
}

/// <summary>Tap weight <c>W = cf * sf</c> (KernelCombine.Mul).</summary>
public readonly struct MulWeight<T> : ITapWeight<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static bool HasChannel => true;
    /// <inheritdoc/>
    public static bool HasSpatial => true;
    /// <inheritdoc/>
    public static bool IsProduct => true;
    /// <inheritdoc/>
    public static Vector<T> Accumulate(Vector<T> acc, Vector<T> v, Vector<T> cf, Vector<T> sf) => VectorMath.Fma(cf * sf, v, acc);
    /// <inheritdoc/>
    public static T Accumulate(T acc, T v, T cf, T sf) => T.FusedMultiplyAdd(cf * sf, v, acc);
}

/// <summary>Tap weight <c>W = cf + sf</c> (KernelCombine.Add).</summary>
public readonly struct AddWeight<T> : ITapWeight<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static bool HasChannel => true;
    /// <inheritdoc/>
    public static bool HasSpatial => true;
    /// <inheritdoc/>
    public static bool IsProduct => false;
    /// <inheritdoc/>
    public static Vector<T> Accumulate(Vector<T> acc, Vector<T> v, Vector<T> cf, Vector<T> sf) => VectorMath.Fma(cf + sf, v, acc);
    /// <inheritdoc/>
    public static T Accumulate(T acc, T v, T cf, T sf) => T.FusedMultiplyAdd(cf + sf, v, acc);
}

/// <summary>Tap weight <c>W = sf</c>: no channel branch.</summary>
public readonly struct SpatialWeight<T> : ITapWeight<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static bool HasChannel => false;
    /// <inheritdoc/>
    public static bool HasSpatial => true;
    /// <inheritdoc/>
    public static bool IsProduct => false;
    /// <inheritdoc/>
    public static Vector<T> Accumulate(Vector<T> acc, Vector<T> v, Vector<T> cf, Vector<T> sf) => VectorMath.Fma(sf, v, acc);
    /// <inheritdoc/>
    public static T Accumulate(T acc, T v, T cf, T sf) => T.FusedMultiplyAdd(sf, v, acc);
}

/// <summary>Tap weight <c>W = cf</c>: no spatial branch.</summary>
public readonly struct ChannelWeight<T> : ITapWeight<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static bool HasChannel => true;
    /// <inheritdoc/>
    public static bool HasSpatial => false;
    /// <inheritdoc/>
    public static bool IsProduct => false;
    /// <inheritdoc/>
    public static Vector<T> Accumulate(Vector<T> acc, Vector<T> v, Vector<T> cf, Vector<T> sf) => VectorMath.Fma(cf, v, acc);
    /// <inheritdoc/>
    public static T Accumulate(T acc, T v, T cf, T sf) => T.FusedMultiplyAdd(cf, v, acc);
}
