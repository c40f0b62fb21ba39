namespace Ddf;

/// <summary>Where a DDF-Up layer predicts its spatial filters from.</summary>
public enum UpsampleGuidance
{
    /// <summary>From the input features themselves, as the reference DDFUpPack does. The default.</summary>
    Self = 0,

    /// <summary>From separate guidance features passed as the forward's second argument (joint upsampling).</summary>
    Joint = 1,
}
