using System.Collections.Immutable;
using Ddf.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Ddf.Generators;

/// <summary>
/// Turns every <c>[DynamicFilter]</c> and <c>[DynamicFilterUp]</c> partial class into a TorchSharp DDF
/// (or DDF-Up) layer: its module, an autograd function, and CPU and GPU kernels specialised to the spec (and, where
/// Ddf.Onnx is referenced, its ONNX graph writer). A project
/// that does not reference TorchSharp gets the spec's constants and kernels only. Pipeline wiring only: parsing is in
/// <c>DdfGenerator.Parser.cs</c>, emission in <c>Emitters/</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class DdfGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        Register(context, context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.DynamicFilterAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (syntax, token) => Parser.Parse(syntax, LayerKind.Filter, token))
            .WithTrackingName(TrackingNames.Parse));
        Register(context, context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.DynamicFilterUpAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (syntax, token) => Parser.Parse(syntax, LayerKind.Upsample, token))
            .WithTrackingName(TrackingNames.Parse));
    }

    private static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> parsed)
    {
        // Diagnostics on their own output: they hold syntax trees, and must not invalidate the emitters' cache.
        context.RegisterSourceOutput(parsed.Select(static (result, _) => result.Diagnostics), static (output, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics)
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        var specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Spec);
        // A bool, so edits elsewhere in the compilation leave the emitters cached.
        var torchSharp = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(KnownTypes.TorchSharpMarker) is not null)
            .WithTrackingName(TrackingNames.TorchSharp);
        context.RegisterSourceOutput(specs.Combine(torchSharp), static (output, input) => Emitter.Emit(output, input.Left, layers: input.Right));

        // The ONNX graph writer, only where Ddf.Onnx (and so TorchSharp) is referenced; its own output, so the files above are untouched.
        var onnx = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(KnownTypes.OnnxExportable) is not null
                && compilation.GetTypeByMetadataName(KnownTypes.TorchSharpMarker) is not null)
            .WithTrackingName(TrackingNames.Onnx);
        context.RegisterSourceOutput(specs.Combine(onnx), static (output, input) =>
        {
            if (input.Right)
                Emitter.EmitOnnx(output, input.Left);
        });
    }
}
