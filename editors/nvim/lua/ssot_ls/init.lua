-- Helpers behind the ssot_ls Neovim config (lsp/ssot_ls.lua): fix-all for one
-- buffer (synchronous, so it can run from BufWritePre) and workspace fix-all.
-- Needs Neovim 0.11+ (method-style client calls, vim.lsp.config).

local M = {}

M.client_name = "ssot_ls"
M.fix_all_kind = "source.fixAll.ssot-ls"
M.fix_workspace_command = "ssot-ls.fixWorkspace"

local function notify(message, level)
  vim.notify("ssot-ls: " .. message, level or vim.log.levels.INFO)
end

local function buffer_or_current(bufnr)
  if bufnr == nil or bufnr == 0 then
    return vim.api.nvim_get_current_buf()
  end
  return bufnr
end

--- The ssot_ls client attached to `bufnr`, if any.
--- @param bufnr integer
--- @return vim.lsp.Client?
function M.client_for(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = M.client_name })[1]
end

-- The whole buffer as an LSP range, in the client's position encoding; the
-- end is the end of the last line, so no server has to clamp it.
local function whole_buffer_range(bufnr, position_encoding)
  local last_row = vim.api.nvim_buf_line_count(bufnr) - 1
  local last_line = vim.api.nvim_buf_get_lines(bufnr, last_row, last_row + 1, true)[1]
  local last_col = vim.lsp.util.character_offset(bufnr, last_row, #last_line, position_encoding)
  return { start = { line = 0, character = 0 }, ["end"] = { line = last_row, character = last_col } }
end

-- Servers may send a code action without its edit and fill it in on
-- codeAction/resolve; a fix that must land before a write needs the edit now.
local function resolved(client, action, bufnr, timeout_ms)
  if action.edit or not client:supports_method("codeAction/resolve") then
    return action
  end
  local response, timeout_reason = client:request_sync("codeAction/resolve", action, timeout_ms, bufnr)
  local failure = response and response.err and response.err.message or timeout_reason
  if not response or response.err then
    notify("could not resolve code action: " .. tostring(failure), vim.log.levels.WARN)
    return action
  end
  return response.result or action
end

--- Applies every ssot-ls fix in `bufnr` (the `source.fixAll.ssot-ls` code
--- action) and returns only once the edit is in the buffer, so it is safe to
--- call from BufWritePre: the fixed text is what gets written.
--- @param bufnr integer? buffer, default current
--- @param opts { timeout_ms: integer? }?
--- @return boolean applied true if an edit was applied
function M.fix_all(bufnr, opts)
  bufnr = buffer_or_current(bufnr)
  local timeout_ms = (opts and opts.timeout_ms) or 3000
  local client = M.client_for(bufnr)
  if not client then
    return false
  end
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    range = whole_buffer_range(bufnr, client.offset_encoding),
    context = { only = { M.fix_all_kind }, diagnostics = {}, triggerKind = 1 },
  }
  local response, err = client:request_sync("textDocument/codeAction", params, timeout_ms, bufnr)
  if not response then
    notify("fix-all did not answer in time (" .. tostring(err) .. ")", vim.log.levels.WARN)
    return false
  end
  if response.err then
    notify("fix-all failed: " .. tostring(response.err.message), vim.log.levels.ERROR)
    return false
  end
  local applied = false
  for _, action in ipairs(response.result or {}) do
    action = resolved(client, action, bufnr, timeout_ms)
    if action.edit then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
      applied = true
    end
  end
  return applied
end

-- Every buffer's changedtick (false: listed but not loaded), to tell afterwards
-- which buffers the edit changed and which ones it had to load.
local function buffer_ticks()
  local ticks = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    ticks[bufnr] = vim.api.nvim_buf_is_loaded(bufnr) and vim.api.nvim_buf_get_changedtick(bufnr)
  end
  return ticks
end

-- A workspace edit loads a hidden buffer for every file that was not open.
-- Those changes are written to disk (that is what "fix the workspace" means)
-- and the buffers unloaded again; buffers the user had open stay modified,
-- as with any other edit, for the user to review and save.
local function save_buffers_loaded_by_edit(ticks_before)
  local written, failed, open_changed = 0, {}, 0
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local tick_before = ticks_before[bufnr]
    if not vim.api.nvim_buf_is_loaded(bufnr) then
      -- untouched by the edit
    elseif tick_before then
      if vim.api.nvim_buf_get_changedtick(bufnr) ~= tick_before then
        open_changed = open_changed + 1
      end
    elseif vim.bo[bufnr].modified then
      -- noautocmd: the text is already fixed, and format-on-save hooks should
      -- not rewrite files the user never opened.
      local ok, err = pcall(vim.api.nvim_buf_call, bufnr, function()
        vim.cmd("silent noautocmd write")
      end)
      if ok then
        written = written + 1
        -- A buffer that was listed before stays listed, only unloaded.
        vim.api.nvim_buf_delete(bufnr, { unload = tick_before == false })
      else
        table.insert(failed, vim.api.nvim_buf_get_name(bufnr) .. ": " .. tostring(err))
      end
    end
  end
  return written, failed, open_changed
end

-- Neovim batches buffer changes (debounce_text_changes) and a request only
-- flushes those of its own buffer; the workspace fix reads every open buffer,
-- so all of them must be current. The module is internal, hence the guard.
local function send_pending_changes(client)
  local ok, changetracking = pcall(require, "vim.lsp._changetracking")
  if ok and type(changetracking.flush) == "function" then
    pcall(changetracking.flush, client)
  end
end

--- Runs the server's workspace fix-all (`ssot-ls.fixWorkspace`): fixes every
--- file of the workspace, open or not. Files that were not open are written
--- to disk; open buffers are left modified.
--- @param bufnr integer? a buffer the ssot_ls client is attached to, default current
--- @param opts { unsafe: boolean?, on_done: fun(err: lsp.ResponseError?, result: any)? }?
---   unsafe: true/false overrides the `unsafeFixes` setting for this run
function M.fix_workspace(bufnr, opts)
  opts = opts or {}
  bufnr = buffer_or_current(bufnr)
  local client = M.client_for(bufnr)
  if not client then
    notify("no ssot_ls client attached to this buffer", vim.log.levels.WARN)
    return
  end
  send_pending_changes(client)
  local ticks_before = buffer_ticks()
  local command = { title = "Fix all in workspace", command = M.fix_workspace_command }
  if opts.unsafe ~= nil then
    command.arguments = { { unsafe = opts.unsafe } }
  end
  client:exec_cmd(command, { bufnr = bufnr }, function(err, result)
    if err then
      notify("workspace fix failed: " .. tostring(err.message), vim.log.levels.ERROR)
    else
      -- The server reports what it fixed (window/showMessage); this adds what
      -- happened on the Neovim side.
      local written, failed, open_changed = save_buffers_loaded_by_edit(ticks_before)
      if written > 0 or open_changed > 0 then
        notify(string.format(
          "%d file(s) written to disk; %d open buffer(s) changed, not saved (:wall saves them)",
          written,
          open_changed
        ))
      end
      if #failed > 0 then
        notify("could not write:\n" .. table.concat(failed, "\n"), vim.log.levels.ERROR)
      end
    end
    if opts.on_done then
      opts.on_done(err, result)
    end
  end)
end

--- Buffer-local commands for a buffer the ssot_ls client just attached to.
--- The config's `on_attach` calls this; a custom `on_attach` should too.
--- @param client vim.lsp.Client
--- @param bufnr integer
function M.on_attach(client, bufnr)
  vim.api.nvim_buf_create_user_command(bufnr, "SsotFixWorkspace", function(command)
    -- With a bang, unsafe fixes (e.g. inserting `await`) too, whatever unsafeFixes says.
    M.fix_workspace(bufnr, { unsafe = command.bang or nil })
  end, { bang = true, desc = "ssot-ls: fix every file in the workspace (! = unsafe fixes too)" })
  vim.api.nvim_buf_create_user_command(bufnr, "SsotFixAll", function()
    if not M.fix_all(bufnr) then
      notify("nothing to fix here (unsafe fixes apply only with unsafeFixes = true)")
    end
  end, { desc = "ssot-ls: apply every fix in this buffer" })
end

return M
