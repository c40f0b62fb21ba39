using Ddf.Generators.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Ddf.Generators.Model;

/// <summary>
/// A diagnostic to report, kept equatable for the pipeline: the descriptor, the source tree and span it
/// points at (a source location, so <c>#pragma warning disable</c> works), and the message arguments.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, SyntaxTree? SyntaxTree, TextSpan Span, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SyntaxNodeOrToken at, params string[] arguments) =>
        new(descriptor, at.SyntaxTree, at.Span, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, SyntaxTree is null ? Location.None : Location.Create(SyntaxTree, Span), System.Linq.Enumerable.ToArray<object?>(Arguments));
}
