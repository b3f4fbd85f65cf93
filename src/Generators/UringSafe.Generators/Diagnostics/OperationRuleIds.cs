namespace UringSafe.Generators.Diagnostics
{
    /// <summary>The stable identifiers of the rules that explain why a <c>[UringOperation]</c> method cannot be generated.</summary>
    public static class OperationRuleIds
    {
        /// <summary>The method is not a partial definition the generator can implement.</summary>
        public const string NotAPartialDefinition = "UR1001";

        /// <summary>No parameter, or more than one, is marked <c>[Lends]</c>.</summary>
        public const string LentParameterCount = "UR1002";

        /// <summary>The lent buffer type is not supported, or the return type does not match it.</summary>
        public const string UnsupportedBufferOrReturnType = "UR1003";

        /// <summary>The prepare method is missing or its signature does not match.</summary>
        public const string PrepareMethodMismatch = "UR1004";

        /// <summary>The operation cannot be cancelled: it has no <c>CancellationToken</c> parameter.</summary>
        public const string NoCancellationToken = "UR1005";

        /// <summary>The error mapper named by <c>ErrorMapper</c> is missing or its signature does not match.</summary>
        public const string ErrorMapperMismatch = "UR1006";

        /// <summary>The diagnostic category shared by the generator rules.</summary>
        public const string Category = "UringSafe.Generators";

        /// <summary>Builds the documentation link of a rule.</summary>
        public static string HelpLink(string id) => "https://github.com/uringsafe/uringsafe/blob/main/docs/rules/" + id + ".md";
    }
}
