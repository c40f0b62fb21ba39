namespace Ddf.Runtime;

/// <summary>
/// The sizes of one DDF operation: input (Batch, Channels, Height, Width), a KernelSize x KernelSize
/// filter with the given dilation and stride, zero padding <c>Dilation * (KernelSize - 1) / 2</c>.
/// </summary>
/// <param name="Batch">Batch size B.</param>
/// <param name="Channels">Channels C.</param>
/// <param name="Height">Input height H.</param>
/// <param name="Width">Input width W.</param>
/// <param name="KernelSize">Odd kernel size k.</param>
/// <param name="Dilation">Dilation d of the taps.</param>
/// <param name="Stride">Stride s.</param>
public readonly record struct DdfGeometry(int Batch, int Channels, int Height, int Width, int KernelSize, int Dilation, int Stride)
{
    /// <summary>Zero padding on each side: <c>Dilation * (KernelSize - 1) / 2</c>.</summary>
    public int Pad => Dilation * (KernelSize - 1) / 2;

    /// <summary>Output height: <c>(Height - 1) / Stride + 1</c>.</summary>
    public int OutHeight => (Height - 1) / Stride + 1;

    /// <summary>Output width: <c>(Width - 1) / Stride + 1</c>.</summary>
    public int OutWidth => (Width - 1) / Stride + 1;

    /// <summary>Number of filter taps, <c>KernelSize * KernelSize</c>.</summary>
    public int Taps => KernelSize * KernelSize;

    /// <summary>Elements in one input plane.</summary>
    public long InPlane => (long)Height * Width;

    /// <summary>Elements in one output plane.</summary>
    public long OutPlane => (long)OutHeight * OutWidth;
}
