// The librarian's catalogue work at the counter: a new title with its copies (a keyboard-wedge
// scanner types the ISBN, then each copy's barcode, each followed by Enter), a copy marked lost
// by its barcode, and the overdue list as a table (a desk screen is 1280×800).
import { Vue, vant } from "../vendor.js";
import { ApiError, api, showToast } from "../api.js";
import { dateTime, statusText, statusType } from "../format.js";
import { showError, useAction, usePage } from "../ui.js";
import { route } from "../router.js";

const blank = () => ({ isbn: "", title: "", author: "", publisher: "", year: "" });
const digits = (isbn) => isbn.replace(/[^0-9Xx]/g, "").toUpperCase();

export default {
  template: `
    <div class="desk-page">
      <van-tabs v-model:active="tab" shrink>
        <van-tab name="add" title="新书入藏" title-class="tab-add" />
        <van-tab name="lost" title="图书挂失" title-class="tab-lost" />
        <van-tab name="overdue" title="逾期清单" title-class="tab-overdue" />
      </van-tabs>

      <div v-show="tab === 'add'">
        <p class="hint">扫码枪：先扫图书背面的 ISBN，再逐册扫描馆藏条码，每扫一次自动回车。</p>
        <van-cell-group inset>
          <van-field ref="isbnField" v-model.trim="form.isbn" label="ISBN" required placeholder="扫描或输入 ISBN"
                     data-testid="lib-isbn" :error-message="add.fields.isbn" @keydown.enter.prevent="isbnEntered" @blur="lookUp" />
          <van-cell v-if="known" title="已在馆藏" :label="'《' + known.title + '》 ' + known.author" data-testid="lib-known"
                    :value="'馆藏 ' + known.copies + ' 册'" />
          <template v-else>
            <van-field ref="titleField" v-model.trim="form.title" label="书名" required maxlength="200" placeholder="书名"
                       data-testid="lib-title" :error-message="add.fields.title" />
            <van-field v-model.trim="form.author" label="作者" maxlength="200" data-testid="lib-author" :error-message="add.fields.author" />
            <van-field v-model.trim="form.publisher" label="出版社" maxlength="200" data-testid="lib-publisher" :error-message="add.fields.publisher" />
            <van-field v-model.trim="form.year" label="出版年" type="digit" maxlength="4" placeholder="如 2024" data-testid="lib-year"
                       :error-message="add.fields.year" />
          </template>
        </van-cell-group>
        <div class="section-title">馆藏条码 <span class="muted" data-testid="lib-copy-count">已扫 {{ barcodes.length }} 册</span></div>
        <van-cell-group inset>
          <van-field ref="barcodeField" v-model.trim="barcode" label="条码" placeholder="逐册扫描馆藏条码" data-testid="lib-barcode"
                     :error-message="barcodeError" @keydown.enter.prevent="addBarcode">
            <template #button><van-button size="small" type="primary" class="tap" :disabled="!barcode" data-testid="lib-barcode-add" @click="addBarcode">加入</van-button></template>
          </van-field>
          <van-cell v-for="(b, i) in barcodes" :key="b" :title="b" :data-testid="'lib-copy-' + b">
            <template #right-icon><van-button size="small" plain type="danger" class="tap" @click="barcodes.splice(i, 1)">移除</van-button></template>
          </van-cell>
        </van-cell-group>
        <div class="actions">
          <van-button type="primary" block round :loading="add.busy" :disabled="!ready" data-testid="lib-add-submit" @click="submit">
            {{ known ? "加入已有图书（" + barcodes.length + " 册）" : "入藏（" + barcodes.length + " 册）" }}
          </van-button>
          <div v-if="!ready" class="muted">{{ known ? "请扫描要加入的馆藏条码" : "请填写 ISBN、书名并扫描至少一册条码" }}</div>
        </div>
        <div v-if="added" class="result-card valid" data-testid="lib-add-result">
          <div class="result-title">入藏成功</div>
          <div class="result-rows">
            <div><span>书名</span><b>{{ added.title }}</b></div>
            <div><span>ISBN</span><b>{{ added.isbn }}</b></div>
            <div><span>馆藏</span><b data-testid="lib-add-copies">{{ added.copies }} 册（在架 {{ added.available }}）</b></div>
          </div>
        </div>
      </div>

      <div v-show="tab === 'lost'">
        <p class="hint">扫描要挂失那一册的馆藏条码。挂失后不再外借；在借的借阅以“遗失”结束。</p>
        <van-cell-group inset>
          <van-field v-model.trim="lostCode" label="条码" placeholder="扫描或输入馆藏条码" data-testid="lib-lost-barcode"
                     @keydown.enter.prevent="markLost" />
        </van-cell-group>
        <div class="actions">
          <van-button type="danger" block round :loading="lost.busy" :disabled="!lostCode" data-testid="lib-lost-submit" @click="markLost">挂失</van-button>
        </div>
        <div v-if="lostCopy" class="result-card invalid" data-testid="lib-lost-result">
          <div class="result-title">已挂失</div>
          <div class="result-rows">
            <div><span>条码</span><b>{{ lostCopy.barcode }}</b></div>
            <div><span>状态</span><b data-testid="lib-lost-status">{{ statusText("library_copy", lostCopy.status) }}</b></div>
          </div>
        </div>
      </div>

      <div v-show="tab === 'overdue'">
        <div class="section-title">逾期未还 <span class="muted">截至 {{ dateTime(checkedAt) }}</span></div>
        <page-state :page="overdue" empty="没有逾期的借阅">
          <div class="desk-table-wrap">
            <table class="desk-table" data-testid="overdue-table">
              <thead><tr><th>书名</th><th>条码</th><th>读者</th><th>借出</th><th>应还</th><th class="num">逾期</th></tr></thead>
              <tbody>
                <tr v-for="l in overdue.data.items" :key="l.id" :data-testid="'overdue-row-' + l.id">
                  <td class="wrap">{{ l.title.title }}</td><td>{{ l.barcode }}</td><td>{{ l.borrower.name }}</td>
                  <td>{{ dateTime(l.borrowed_at) }}</td><td>{{ dateTime(l.due_at) }}</td>
                  <td class="num"><van-tag :type="statusType('library', 'overdue')">{{ l.days_overdue }} 天</van-tag></td>
                </tr>
              </tbody>
            </table>
          </div>
          <div v-if="overdue.data.next_cursor" class="muted hint">仅显示前 100 笔</div>
        </page-state>
      </div>
    </div>`,
  setup() {
    const tab = Vue.ref(["add", "lost", "overdue"].includes(route.query.tab) ? route.query.tab : "add");
    const form = Vue.reactive(blank());
    const barcodes = Vue.ref([]);
    const barcode = Vue.ref("");
    const barcodeError = Vue.ref("");
    const known = Vue.ref(null);
    const added = Vue.ref(null);
    const isbnField = Vue.ref(null);
    const titleField = Vue.ref(null);
    const barcodeField = Vue.ref(null);
    let lookedUp = "";

    /** A known ISBN takes copies instead of a second title (the catalogue refuses a duplicate). */
    async function lookUp() {
      const isbn = digits(form.isbn);
      if (!isbn || isbn === lookedUp) return;
      lookedUp = isbn;
      const found = await api.get("/library/titles", { q: form.isbn, limit: 5 }, { quiet: true }).catch(() => null);
      if (digits(form.isbn) !== isbn) return; // typed on meanwhile
      known.value = found?.items.find((t) => digits(t.isbn) === isbn) || (isbn.length === 10 && found?.items.length === 1 ? found.items[0] : null);
    }
    async function isbnEntered() {
      await lookUp();
      (known.value || form.title ? barcodeField : titleField).value?.focus();
    }
    function addBarcode() {
      const code = barcode.value;
      if (!code) return;
      if (barcodes.value.includes(code)) {
        barcodeError.value = `条码 ${code} 已扫过`;
      } else {
        barcodes.value.push(code);
        barcodeError.value = "";
      }
      barcode.value = "";
      barcodeField.value?.focus();
    }
    Vue.watch(() => form.isbn, () => {
      if (digits(form.isbn) !== lookedUp) known.value = null;
    });
    const ready = Vue.computed(() => Boolean(form.isbn && barcodes.value.length && (known.value || form.title)));

    /** Copies for a title already catalogued. Where the server has no copies route yet (404/405),
     * the catalogue's own answer for a known ISBN is asked for and shown (409 conflict). */
    async function addCopies(key, { known: title, barcodes: codes }) {
      try {
        return await api.post(`/admin/library/titles/${title.id}/copies`, { barcodes: codes }, { key, quiet: true });
      } catch (err) {
        if (!(err instanceof ApiError) || ![404, 405].includes(err.status) || err.details?.fields) throw err;
        const { isbn, title: name, author, publisher, year } = title;
        return api.post("/admin/library/titles", { isbn, title: name, author, publisher, year, barcodes: codes }, { quiet: true });
      }
    }
    // One new title (or one batch of copies) = one key: a retried tap adds nothing twice.
    const add = useAction((key, body) => (body.known
      ? addCopies(key, body)
      : api.post("/admin/library/titles", body, { key, quiet: true })), {
      done(title) {
        added.value = title;
        showToast("入藏成功", "success");
        Object.assign(form, blank());
        barcodes.value = [];
        known.value = null;
        lookedUp = "";
        isbnField.value?.focus();
      },
    });
    Vue.watch(() => add.fields, (fields) => {
      const bad = Object.entries(fields).find(([name]) => name.startsWith("barcodes"));
      if (bad) barcodeError.value = bad[1];
    });
    async function submit() {
      added.value = null;
      if (known.value) {
        await add.run({ known: known.value, barcodes: barcodes.value });
        return;
      }
      const answer = await add.run({
        isbn: form.isbn, title: form.title, author: form.author, publisher: form.publisher,
        year: form.year ? Number(form.year) : null, barcodes: barcodes.value,
      });
      if (!answer && add.error?.code === "conflict") {
        lookedUp = "";
        await lookUp(); // a known ISBN: the form turns into "add copies to it"
      }
    }

    const lostCode = Vue.ref("");
    const lostCopy = Vue.ref(null);
    const lost = useAction((key, code) => api.post(`/library/copies/${encodeURIComponent(code)}/lost`, {}, { key, quiet: true }), {
      done(copy) {
        lostCopy.value = copy;
        lostCode.value = "";
        showToast("已挂失", "success");
        overdue.refresh();
      },
    });
    async function markLost() {
      if (!lostCode.value || lost.busy) return;
      const code = lostCode.value;
      const ok = await vant.showConfirmDialog({
        title: "图书挂失", message: `确定将条码 ${code} 的这一册挂失吗？挂失后不再外借。`, confirmButtonText: "挂失",
      }).then(() => true, () => false);
      if (ok) await lost.run(code);
    }

    const checkedAt = Vue.ref(new Date().toISOString());
    const overdue = usePage(async () => {
      const found = await api.get("/library/desk/overdue", { limit: 100 }, { quiet: true });
      checkedAt.value = new Date().toISOString();
      return found;
    });
    Vue.onMounted(() => {
      if (tab.value === "add") isbnField.value?.focus();
    });
    return {
      tab, form, barcodes, barcode, barcodeError, known, added, ready, add, submit, isbnEntered, lookUp, addBarcode,
      isbnField, titleField, barcodeField, lostCode, lostCopy, lost, markLost, overdue, checkedAt,
      dateTime, statusText, statusType, showError,
    };
  },
};
