using Ddf.Generators.Helpers;

namespace Ddf.Generators.Model;

/// <summary>The parse step's output: a spec when the class is valid, and the diagnostics found.</summary>
internal sealed record ParseResult(DdfSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
