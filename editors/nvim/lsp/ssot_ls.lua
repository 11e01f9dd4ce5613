-- ssot-ls for Neovim 0.11+. With this folder on 'runtimepath':
--
--   vim.opt.rtp:append("/path/to/ssot-ls/editors/nvim")
--   vim.lsp.enable("ssot_ls")
--
-- Override any field with vim.lsp.config("ssot_ls", { ... }); see README.md.

--- @type vim.lsp.Config
return {
  cmd = { "ssot-ls", "server" },
  filetypes = { "python", "markdown" },
  -- Earlier markers win: a folder with an ssot-ls config is the workspace
  -- even when a nested package has its own pyproject.toml.
  root_markers = { "ssot-ls.toml", ".ssot-ls.toml", "pyproject.toml", ".git" },
  -- Answered to the server's workspace/configuration requests (section "ssot-ls")
  -- and, by before_init below, sent as initializationOptions too.
  settings = {
    ["ssot-ls"] = {
      enable = true,
      markdown = { enable = true },
      -- true: fix-all (on save) and :SsotFixWorkspace also apply unsafe fixes, such
      -- as inserting `await`; single quick fixes are always offered.
      unsafeFixes = false,
      -- configuration = "/abs/path/ssot-ls.toml", -- unset: closest config above each file
      -- logLevel = "debug", -- unset: warning; server stderr goes to vim.lsp.get_log_path()
    },
  },
  -- One source of truth: whatever `settings` ends up as after the user's
  -- vim.lsp.config() overrides is what the server sees from the start.
  before_init = function(params, config)
    if params.initializationOptions == nil and config.settings then
      params.initializationOptions = { ["ssot-ls"] = config.settings["ssot-ls"] }
    end
  end,
  on_attach = function(client, bufnr)
    require("ssot_ls").on_attach(client, bufnr)
  end,
}
