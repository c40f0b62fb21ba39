using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Ddf.Generators.Diagnostics;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Ddf.Generators;

public sealed partial class DdfGenerator
{
    /// <summary>Symbol and syntax to <see cref="DdfSpec"/> plus diagnostics. Never throws on user code.</summary>
    internal static class Parser
    {
        /// <summary>The attributes' own defaults: what an argument left out means.</summary>
        private static readonly DynamicFilterAttribute FilterDefaults = new();
        private static readonly DynamicFilterUpAttribute UpDefaults = new();

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, LayerKind kind, CancellationToken token)
        {
            var declaration = (ClassDeclarationSyntax)context.TargetNode;
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            // A class with both attributes is reported once, by the [DynamicFilter] pipeline; a declaration
            // still missing its name (typing in progress) is left to the compiler's own syntax error.
            if ((kind == LayerKind.Upsample && HasAttribute(symbol, KnownTypes.DynamicFilterAttribute)) || HasMissingName(declaration))
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            var diagnostics = new List<DiagnosticInfo>();

            CheckClassShape(declaration, symbol, kind, diagnostics);
            if (context.SemanticModel.Compilation.Options is CSharpCompilationOptions { AllowUnsafe: false })
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsafeCodeNotAllowed, declaration.Identifier, symbol.Name));
            token.ThrowIfCancellationRequested();

            // Names, defaults and enum members come from the DSL assembly itself (Ddf.Abstractions, loaded beside the generator).
            var values = new AttributeValues(context.Attributes[0], diagnostics);
            int kernelSize = values.Int(nameof(DynamicFilterAttribute.KernelSize), FilterDefaults.KernelSize, k => k >= 3 && k <= 31 && k % 2 == 1, DiagnosticDescriptors.InvalidKernelSize);
            int dilation = values.Int(nameof(DynamicFilterAttribute.Dilation), FilterDefaults.Dilation, d => d >= 1, DiagnosticDescriptors.InvalidDilation);
            int heads = values.Int(nameof(DynamicFilterAttribute.Heads), FilterDefaults.Heads, h => h >= 1, DiagnosticDescriptors.InvalidHeads);
            double squeezeRatio = values.Double(nameof(DynamicFilterAttribute.SqueezeRatio), FilterDefaults.SqueezeRatio, r => r > 0 && r <= 1, DiagnosticDescriptors.InvalidSqueezeRatio);
            var normalization = values.Enum(nameof(DynamicFilterAttribute.Normalization), FilterDefaults.Normalization);
            var combine = values.Enum(nameof(DynamicFilterAttribute.Combine), FilterDefaults.Combine);
            int stride = 1, scaleFactor = 1;
            var branches = FilterDefaults.Branches;
            bool joint = false;
            if (kind == LayerKind.Filter)
            {
                stride = values.Int(nameof(DynamicFilterAttribute.Stride), FilterDefaults.Stride, s => s >= 1, DiagnosticDescriptors.InvalidStride);
                branches = values.Enum(nameof(DynamicFilterAttribute.Branches), FilterDefaults.Branches);
            }
            else
            {
                scaleFactor = values.Int(nameof(DynamicFilterUpAttribute.ScaleFactor), UpDefaults.ScaleFactor, s => s >= 2 && s <= 8, DiagnosticDescriptors.InvalidScaleFactor);
                joint = values.Enum(nameof(DynamicFilterUpAttribute.Guidance), UpDefaults.Guidance) == UpsampleGuidance.Joint;
            }

            if (diagnostics.Count > 0 || values.HasCompilerErrors)
                return new ParseResult(null, diagnostics.ToEquatableArray());

            var spec = new DdfSpec(
                symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString(),
                symbol.Name,
                ContainingTypes(symbol).ToEquatableArray(),
                kernelSize, dilation, stride, heads, squeezeRatio, normalization, branches, combine, kind, scaleFactor, joint);
            return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
        }

        private static bool HasMissingName(ClassDeclarationSyntax declaration) =>
            declaration.AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>().Any(type => type.Identifier.IsMissing || type.Identifier.Text.Length == 0)
            || declaration.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Any(ns => ns.Name.IsMissing || ns.Name.ContainsDiagnostics);

        private static bool HasAttribute(INamedTypeSymbol symbol, string name) =>
            symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == name);

        /// <summary>Class-shape problems, reported on the class name.</summary>
        private static void CheckClassShape(ClassDeclarationSyntax declaration, INamedTypeSymbol symbol, LayerKind kind, List<DiagnosticInfo> diagnostics)
        {
            var name = declaration.Identifier;
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, name, symbol.Name));
            for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
            {
                if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, name, symbol.Name, parent.Identifier.Text));
            }
            for (var type = symbol; type is not null; type = type.ContainingType)
            {
                if (type.TypeParameters.Length > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericClass, name, symbol.Name));
                    break;
                }
            }
            if (symbol.BaseType is { SpecialType: not SpecialType.System_Object, TypeKind: not TypeKind.Error } baseType)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassHasBaseClass, name, symbol.Name, baseType.ToDisplayString()));
            if (symbol.IsStatic || symbol.IsAbstract)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StaticOrAbstractClass, name, symbol.Name, symbol.IsStatic ? "static" : "abstract"));
            if (kind == LayerKind.Filter && HasAttribute(symbol, KnownTypes.DynamicFilterUpAttribute))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BothAttributes, name, symbol.Name));
        }

        private static IEnumerable<ContainingType> ContainingTypes(INamedTypeSymbol symbol)
        {
            var types = new Stack<ContainingType>();
            for (var type = symbol.ContainingType; type is not null; type = type.ContainingType)
                types.Push(new ContainingType(Keyword(type), type.Name));
            return types;
        }

        private static string Keyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };

        /// <summary>Reads named attribute arguments, reporting invalid values on the argument that holds them.</summary>
        private sealed class AttributeValues(AttributeData attribute, List<DiagnosticInfo> diagnostics)
        {
            private readonly AttributeSyntax? syntax = attribute.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax;

            /// <summary>True when an argument did not bind (the compiler reports that itself).</summary>
            public bool HasCompilerErrors { get; private set; }

            public int Int(string name, int fallback, Func<int, bool> isValid, DiagnosticDescriptor invalid)
            {
                if (!TryGet(name, out var constant))
                    return fallback;
                if (constant.Value is not int value)
                {
                    HasCompilerErrors = true;
                    return fallback;
                }
                if (!isValid(value))
                    Report(name, invalid, value.ToString(CultureInfo.InvariantCulture));
                return value;
            }

            public double Double(string name, double fallback, Func<double, bool> isValid, DiagnosticDescriptor invalid)
            {
                if (!TryGet(name, out var constant))
                    return fallback;
                if (constant.Value is not double value)
                {
                    HasCompilerErrors = true;
                    return fallback;
                }
                if (double.IsNaN(value) || !isValid(value))
                    Report(name, invalid, value.ToString("R", CultureInfo.InvariantCulture));
                return value;
            }

            /// <summary>An enum value; an int cast to the enum that names no member is reported, not guessed at.</summary>
            public TEnum Enum<TEnum>(string name, TEnum fallback)
                where TEnum : struct, System.Enum
            {
                if (!TryGet(name, out var constant))
                    return fallback;
                if (constant.Value is not int value)
                {
                    HasCompilerErrors = true;
                    return fallback;
                }
                if (!System.Enum.IsDefined(typeof(TEnum), value))
                    Report(name, DiagnosticDescriptors.UndefinedEnumValue, name, value.ToString(CultureInfo.InvariantCulture), typeof(TEnum).Name);
                return (TEnum)(object)value;
            }

            private bool TryGet(string name, out TypedConstant constant)
            {
                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == name)
                    {
                        constant = argument.Value;
                        if (constant.Kind == TypedConstantKind.Error)
                        {
                            HasCompilerErrors = true;
                            return false;
                        }
                        return true;
                    }
                }
                constant = default;
                return false;
            }

            /// <summary>Reports on the argument <c>Name = value</c> (or the whole attribute if it cannot be found).</summary>
            private void Report(string name, DiagnosticDescriptor descriptor, params string[] arguments)
            {
                SyntaxNode? at = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name) ?? (SyntaxNode?)syntax;
                diagnostics.Add(at is null
                    ? new DiagnosticInfo(descriptor, null, default, arguments.ToEquatableArray())
                    : DiagnosticInfo.Create(descriptor, at, arguments));
            }
        }
    }
}
