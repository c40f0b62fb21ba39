namespace Ddf;

/// <summary>How the predicted filters are normalised before use (paper Table 3).</summary>
public enum FilterNormalization
{
    /// <summary>Filter normalisation: per filter, subtract the mean, divide by the unbiased standard deviation, scale. The default.</summary>
    Filter = 0,

    /// <summary>A BatchNorm2d over the predicted filter channels instead of filter normalisation.</summary>
    Batch = 1,

    /// <summary>The sigmoid of the raw predicted filters.</summary>
    Sigmoid = 2,

    /// <summary>The raw predicted filters, not normalised.</summary>
    None = 3,
}
