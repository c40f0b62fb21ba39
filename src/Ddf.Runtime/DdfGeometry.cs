namespace Ddf.Runtime;

/// <summary>
/// The sizes of one DDF operation: input (Batch, Channels, Height, Width), a KernelSize x KernelSize
/// filter with the given dilation and stride, zero padding <c>Dilation * (KernelSize - 1) / 2</c>.
/// The derived sizes are computed once here: kernels read them in their inner loops, where a division
/// per read cost more than the taps themselves.
/// </summary>
public readonly record struct DdfGeometry
{
    /// <summary>The sizes of one call; <paramref name="Stride"/> must be at least 1.</summary>
    /// <param name="Batch">Batch size B.</param>
    /// <param name="Channels">Channels C.</param>
    /// <param name="Height">Input height H.</param>
    /// <param name="Width">Input width W.</param>
    /// <param name="KernelSize">Odd kernel size k.</param>
    /// <param name="Dilation">Dilation d of the taps.</param>
    /// <param name="Stride">Stride s.</param>
    public DdfGeometry(int Batch, int Channels, int Height, int Width, int KernelSize, int Dilation, int Stride)
    {
        this.Batch = Batch;
        this.Channels = Channels;
        this.Height = Height;
        this.Width = Width;
        this.KernelSize = KernelSize;
        this.Dilation = Dilation;
        this.Stride = Stride;
        Pad = Dilation * (KernelSize - 1) / 2;
        OutHeight = (Height - 1) / Stride + 1;
        OutWidth = (Width - 1) / Stride + 1;
        Taps = KernelSize * KernelSize;
        InPlane = (long)Height * Width;
        OutPlane = (long)OutHeight * OutWidth;
    }

    /// <summary>Batch size B.</summary>
    public int Batch { get; }

    /// <summary>Channels C.</summary>
    public int Channels { get; }

    /// <summary>Input height H.</summary>
    public int Height { get; }

    /// <summary>Input width W.</summary>
    public int Width { get; }

    /// <summary>Odd kernel size k.</summary>
    public int KernelSize { get; }

    /// <summary>Dilation d of the taps.</summary>
    public int Dilation { get; }

    /// <summary>Stride s.</summary>
    public int Stride { get; }

    /// <summary>Zero padding on each side: <c>Dilation * (KernelSize - 1) / 2</c>.</summary>
    public int Pad { get; }

    /// <summary>Output height: <c>(Height - 1) / Stride + 1</c>.</summary>
    public int OutHeight { get; }

    /// <summary>Output width: <c>(Width - 1) / Stride + 1</c>.</summary>
    public int OutWidth { get; }

    /// <summary>Number of filter taps, <c>KernelSize * KernelSize</c>.</summary>
    public int Taps { get; }

    /// <summary>Elements in one input plane.</summary>
    public long InPlane { get; }

    /// <summary>Elements in one output plane.</summary>
    public long OutPlane { get; }
}
