using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>Which kind of predicted filter a <see cref="FilterNorm"/> normalises.</summary>
public enum FilterKind
{
    /// <summary>Per-pixel filters (B, heads * k*k, H, W): each head's k*k taps at each pixel; fixed scale gain / k.</summary>
    Spatial,

    /// <summary>Per-channel filters (B, C * k*k, 1, 1): each channel's k*k taps; learnable per-tap scale <c>std</c>.</summary>
    Channel,
}

/// <summary>
/// Filter normalisation (DDF paper, section 3.3; the reference's FilterNorm): every k*k filter is
/// shifted to zero mean and divided by its unbiased standard deviation plus 1e-10, then scaled. Spatial
/// filters are scaled by the fixed number gain / k; channel filters by a learnable parameter
/// <c>std</c> of shape (C * k*k), initialised to randn * gain / k (its state_dict key is <c>std</c>).
/// </summary>
public sealed class FilterNorm : nn.Module<Tensor, Tensor>
{
    // Held, not converted per call: see HeldScalars for why a temporary Scalar is unsafe.
    private static readonly Scalar Epsilon = 1e-10.ToScalar();

    private readonly Parameter? std;
    private readonly double scale;
    private readonly Scalar scaleScalar;

    /// <summary>Creates a filter normalisation.</summary>
    /// <param name="kind">Spatial (per-pixel) or channel (per-channel) filters.</param>
    /// <param name="groups">Spatial: the number of heads; channel: the number of channels C.</param>
    /// <param name="kernel_size">Kernel size k (at least 3: a 1-tap filter has no standard deviation).</param>
    /// <param name="gain">The nonlinearity gain: sqrt(2) after ReLU (DDF), 1 for linear (DDF-Up).</param>
    /// <param name="device">Device of the <c>std</c> parameter. Default: CPU.</param>
    /// <param name="dtype">Dtype of the <c>std</c> parameter. Default: the default dtype.</param>
    public FilterNorm(FilterKind kind, long groups, long kernel_size, double gain, Device? device = null, ScalarType? dtype = null)
        : base(nameof(FilterNorm))
    {
        if (groups < 1)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"groups must be >= 1, got {groups}.");
        if (kernel_size < 3 || kernel_size % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernel_size), kernel_size, $"kernel_size must be odd and >= 3 for filter normalisation, got {kernel_size}.");
        this.kind = kind;
        this.groups = groups;
        this.kernel_size = kernel_size;
        scale = gain / kernel_size;
        scaleScalar = scale.ToScalar();
        if (kind == FilterKind.Channel)
        {
            using var noGrad = no_grad();
            std = new Parameter(randn(groups * kernel_size * kernel_size, dtype: dtype, device: device).mul_(scaleScalar));
        }
        RegisterComponents();
    }

    /// <summary>Spatial or channel filters.</summary>
    public FilterKind kind { get; }

    /// <summary>Heads (spatial) or channels (channel).</summary>
    public long groups { get; }

    /// <summary>Kernel size k.</summary>
    public long kernel_size { get; }

    /// <summary>Normalises (B, groups * k*k, H, W) filters; channel filters have H = W = 1.</summary>
    public override Tensor forward(Tensor filters)
    {
        long taps = kernel_size * kernel_size;
        if (filters.dim() != 4 || filters.shape[1] != groups * taps)
            throw new ArgumentException($"{nameof(FilterNorm)} expects filters of shape (B, {groups * taps}, H, W) ({groups} x {taps} taps), got [{string.Join(", ", filters.shape)}].", nameof(filters));
        if (kind == FilterKind.Spatial && filters.device_type == DeviceType.CPU && filters.dtype is ScalarType.Float32 or ScalarType.Float64)
            return SpatialFilterNormFunction.Apply(filters, (int)groups, (int)taps, scale);
        using var scope = NewDisposeScope();
        long b = filters.shape[0], h = filters.shape[2], w = filters.shape[3];
        var grouped = filters.reshape(b, groups, taps, h, w);
        var centred = grouped - grouped.mean([2], keepdim: true);
        var normalised = centred / centred.std(2, unbiased: true, keepdim: true).add(Epsilon);
        var flat = normalised.reshape(b, groups * taps, h, w);
        var result = std is null ? flat.mul(scaleScalar) : flat * std.reshape(1, groups * taps, 1, 1);
        return result.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            scaleScalar.Dispose();
        base.Dispose(disposing);
    }
}
