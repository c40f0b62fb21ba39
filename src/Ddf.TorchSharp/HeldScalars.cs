using TorchSharp;

namespace Ddf;

/// <summary>
/// Scalars that live as long as the process, for TorchSharp calls that take one. TorchSharp frees a
/// <see cref="Scalar"/> in its finalizer and hands libtorch only its native handle, so a temporary one
/// (<c>x + 1e-10</c>, or the <c>alpha = 1</c> that <c>a + b</c> creates) can be freed by a garbage collection
/// that another thread starts while libtorch still reads it: libtorch then fails with "Unknown scalar type."
/// or computes with garbage. A static Scalar is never collected, so passing it is always safe.
/// </summary>
public static class HeldScalars
{
    /// <summary>1, the <c>alpha</c> of a plain sum: <c>a.add(b, HeldScalars.One)</c> instead of <c>a + b</c>.</summary>
    public static Scalar One { get; } = 1.ToScalar();

    /// <summary>0, e.g. the lower bound of <c>clamp(HeldScalars.Zero, HeldScalars.One)</c>.</summary>
    public static Scalar Zero { get; } = 0.ToScalar();
}
