"""The e-book part of the demo data: categories and about sixty books with real PDF files,
generated here with fpdf2 (a title page and a few pages of Indonesian text each) and imported
through services.import_ebook like any upload, tagged with categories and competencies.

`ebooks_extra` (seed_demo --ebooks N) adds N more rows for benchmarks, set-based in SQL: copies of
the demo books (same file, cover, text and search vector, a "Jilid n" title, a synthetic SHA-256,
since the column is unique) that share the stored files.

Idempotent: books are keyed on stable slugs; an existing one is not generated again, but its
categories and competency tags are restored.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.text import slugify

from competency.models import Competency, CompetencyType
from ebooks import cache as catalogue_cache
from ebooks import services
from ebooks.models import Category, Ebook

EXTRA_PREFIX = "demo-extra-"
EXTRA_CHUNK = 2_000
PUBLISHER = "BPSDM Hukum dan HAM"
_FIXED_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

# (slug, name), in catalogue order.
CATEGORIES = [
    ("hukum-pidana", "Hukum Pidana"),
    ("hukum-tata-negara", "Hukum Tata Negara"),
    ("ham", "HAM"),
    ("pelayanan-publik", "Pelayanan Publik"),
    ("kepemimpinan", "Kepemimpinan"),
    ("manajemen-asn", "Manajemen ASN"),
    ("keimigrasian", "Keimigrasian"),
    ("pemasyarakatan", "Pemasyarakatan"),
    ("kekayaan-intelektual", "Kekayaan Intelektual"),
    ("administrasi-hukum-umum", "Administrasi Hukum Umum"),
    ("integritas", "Integritas dan Antikorupsi"),
]

# Fixed competencies each category develops; technical ones (T...) are matched by these words
# in their names when the agency has defined them.
CATEGORY_COMPETENCIES = {
    "hukum-pidana": ["M1", "M8"],
    "hukum-tata-negara": ["M8", "SK1"],
    "ham": ["SK1", "M5"],
    "pelayanan-publik": ["M5", "M3"],
    "kepemimpinan": ["M7", "M8", "M2"],
    "manajemen-asn": ["M6", "M4"],
    "keimigrasian": ["M5", "M1"],
    "pemasyarakatan": ["M6", "SK1"],
    "kekayaan-intelektual": ["M4", "M5"],
    "administrasi-hukum-umum": ["M5", "M4"],
    "integritas": ["M1", "M2"],
}
CATEGORY_KEYWORDS = {
    "hukum-pidana": ["pidana"],
    "hukum-tata-negara": ["perundang", "tata negara"],
    "ham": ["hak asasi"],
    "pelayanan-publik": ["pelayanan publik"],
    "kepemimpinan": ["kepemimpinan"],
    "manajemen-asn": ["manajemen sdm", "kepegawaian"],
    "keimigrasian": ["keimigrasian", "imigrasi"],
    "pemasyarakatan": ["pemasyarakatan"],
    "kekayaan-intelektual": ["kekayaan intelektual"],
    "administrasi-hukum-umum": ["administrasi hukum", "notaris"],
    "integritas": ["integritas", "antikorupsi"],
}

# (title, authors, category slug, year)
# fmt: off
BOOKS: list[tuple[str, str, str, int]] = [
    ("Pengantar Hukum Pidana Indonesia", "Andi Hamzah Putra; Sri Wahyuni", "hukum-pidana", 2021),
    ("Asas-Asas Hukum Pidana dalam KUHP Baru", "Bambang Sutrisno", "hukum-pidana", 2023),
    ("Hukum Acara Pidana: dari Penyidikan hingga Putusan", "Rina Marlina; Yusuf Hidayat", "hukum-pidana", 2020),
    ("Tindak Pidana Korupsi dan Pencegahannya", "Dewi Kartika", "hukum-pidana", 2022),
    ("Keadilan Restoratif dalam Sistem Peradilan Pidana", "Hendra Gunawan", "hukum-pidana", 2024),
    ("Sistem Peradilan Pidana Anak", "Lestari Handayani", "hukum-pidana", 2019),
    ("Dasar-Dasar Hukum Tata Negara", "Jimly Prasetyo", "hukum-tata-negara", 2018),
    ("Konstitusi dan Lembaga Negara", "Maria Fransiska", "hukum-tata-negara", 2021),
    ("Teknik Penyusunan Peraturan Perundang-undangan", "Tim Penyusun BPSDM Hukum dan HAM", "hukum-tata-negara", 2023),
    ("Otonomi Daerah dan Hubungan Pusat-Daerah", "Agus Salim Nugroho", "hukum-tata-negara", 2017),
    ("Hukum Administrasi Negara untuk Aparatur", "Ratna Sari Dewi", "hukum-tata-negara", 2022),
    ("Pengujian Undang-Undang di Mahkamah Konstitusi", "Fajar Ramadhan", "hukum-tata-negara", 2020),
    ("Hak Asasi Manusia dalam Pelayanan Publik", "Siti Nurhaliza; Budi Santoso", "ham", 2022),
    ("Instrumen Internasional Hak Asasi Manusia", "Yohanes Manurung", "ham", 2019),
    ("Pengarusutamaan Gender dan Hak Asasi Manusia", "Intan Permatasari", "ham", 2021),
    ("Perlindungan Kelompok Rentan", "Tim Penyusun BPSDM Hukum dan HAM", "ham", 2023),
    ("Bisnis dan Hak Asasi Manusia", "Reza Pahlevi", "ham", 2024),
    ("Pencegahan Penyiksaan di Tempat Penahanan", "Nurul Hidayah", "ham", 2020),
    ("Standar Pelayanan Publik yang Prima", "Eko Prasetyo", "pelayanan-publik", 2021),
    ("Inovasi Pelayanan Publik di Daerah", "Wulan Sari", "pelayanan-publik", 2022),
    ("Pengelolaan Pengaduan Masyarakat", "Dedi Kurniawan", "pelayanan-publik", 2019),
    ("Zona Integritas Menuju WBK dan WBBM", "Tim Penyusun BPSDM Hukum dan HAM", "pelayanan-publik", 2023),
    ("Pelayanan Hukum Berbasis Digital", "Anisa Rahmawati", "pelayanan-publik", 2024),
    ("Etika Pelayanan dan Budaya Kerja BerAKHLAK", "Gilang Saputra", "pelayanan-publik", 2022),
    ("Kepemimpinan Transformasional di Sektor Publik", "Hadi Wibowo", "kepemimpinan", 2020),
    ("Pengambilan Keputusan yang Efektif", "Kartika Sari", "kepemimpinan", 2021),
    ("Komunikasi Organisasi bagi Pimpinan", "Lukman Hakim", "kepemimpinan", 2019),
    ("Mengelola Perubahan dalam Birokrasi", "Melati Putri", "kepemimpinan", 2023),
    ("Membangun Tim Kerja yang Solid", "Nanda Pratama", "kepemimpinan", 2022),
    ("Kepemimpinan Pancasila dan Wawasan Kebangsaan", "Oktaviani Lubis", "kepemimpinan", 2024),
    ("Sistem Merit dalam Manajemen ASN", "Putu Ayu Lestari", "manajemen-asn", 2021),
    ("Pengembangan Kompetensi Pegawai Negeri Sipil", "Rudi Hartono", "manajemen-asn", 2022),
    ("Penilaian Kinerja ASN Berbasis Sasaran", "Sari Indah", "manajemen-asn", 2023),
    ("Disiplin Pegawai dan Kode Etik ASN", "Taufik Hidayat", "manajemen-asn", 2020),
    ("Manajemen Talenta dan Perencanaan Karier ASN", "Umi Kalsum", "manajemen-asn", 2024),
    ("Manajemen Pegawai Pemerintah dengan Perjanjian Kerja", "Vivi Anggraini", "manajemen-asn", 2023),
    ("Hukum Keimigrasian Indonesia", "Wahyu Setiawan", "keimigrasian", 2021),
    ("Pelayanan Paspor dan Izin Tinggal", "Yuni Astuti", "keimigrasian", 2022),
    ("Pengawasan Orang Asing", "Zainal Arifin", "keimigrasian", 2020),
    ("Pemeriksaan di Tempat Pemeriksaan Imigrasi", "Ahmad Fauzi", "keimigrasian", 2019),
    ("Tindak Pidana Keimigrasian dan Penindakannya", "Bayu Aji", "keimigrasian", 2023),
    ("Penanganan Pengungsi dan Pencari Suaka", "Citra Kirana", "keimigrasian", 2024),
    ("Sistem Pemasyarakatan dan Pembinaan Narapidana", "Dimas Anggara", "pemasyarakatan", 2021),
    ("Pembimbingan Klien Pemasyarakatan", "Endah Lestari", "pemasyarakatan", 2022),
    ("Keamanan dan Ketertiban Lapas dan Rutan", "Farhan Maulana", "pemasyarakatan", 2020),
    ("Reintegrasi Sosial Warga Binaan", "Gita Savitri", "pemasyarakatan", 2023),
    ("Perawatan Kesehatan Tahanan", "Hana Pertiwi", "pemasyarakatan", 2019),
    ("Memahami Undang-Undang Pemasyarakatan", "Irfan Bachtiar", "pemasyarakatan", 2024),
    ("Pengantar Hukum Kekayaan Intelektual", "Joko Susilo", "kekayaan-intelektual", 2020),
    ("Hak Cipta di Era Digital", "Kirana Larasati", "kekayaan-intelektual", 2023),
    ("Merek dan Indikasi Geografis", "Lina Marpaung", "kekayaan-intelektual", 2021),
    ("Paten dan Desain Industri", "Mahendra Wijaya", "kekayaan-intelektual", 2022),
    ("Kekayaan Intelektual bagi UMKM", "Nia Ramadhani", "kekayaan-intelektual", 2024),
    ("Pendaftaran Badan Hukum dan Jaminan Fidusia", "Oscar Simanjuntak", "administrasi-hukum-umum", 2021),
    ("Hukum Kewarganegaraan Republik Indonesia", "Prita Amelia", "administrasi-hukum-umum", 2020),
    ("Kenotariatan dan Jabatan Notaris", "Qori Handayani", "administrasi-hukum-umum", 2022),
    ("Bantuan Hukum bagi Masyarakat Miskin", "Rizal Fahmi", "administrasi-hukum-umum", 2023),
    ("Penyuluhan Hukum yang Efektif", "Tim Penyusun BPSDM Hukum dan HAM", "administrasi-hukum-umum", 2024),
    ("Integritas dan Antikorupsi bagi Aparatur", "Santi Widya", "integritas", 2022),
    ("Pengendalian Gratifikasi dan Benturan Kepentingan", "Teguh Santoso", "integritas", 2023),
    ("Whistleblowing System di Instansi Pemerintah", "Utami Dewi", "integritas", 2021),
    ("Analisis dan Evaluasi Hukum", "Valentino Rossi Siregar", "hukum-tata-negara", 2024),
]

# Paragraphs per category, then paragraphs every book may use.
TEXTS: dict[str, list[str]] = {
    "hukum-pidana": [
        "Hukum pidana mengatur perbuatan yang dilarang dan diancam dengan pidana bagi barang siapa yang melanggarnya. Asas legalitas menegaskan bahwa tidak ada perbuatan yang dapat dipidana kecuali berdasarkan kekuatan peraturan perundang-undangan pidana yang telah ada sebelum perbuatan dilakukan.",
        "Pertanggungjawaban pidana mensyaratkan adanya kesalahan, baik berupa kesengajaan maupun kealpaan. Hakim menimbang keadaan yang memberatkan dan meringankan sebelum menjatuhkan putusan, sehingga pidana yang dijatuhkan setimpal dengan perbuatan dan kesalahan terdakwa.",
        "Penyidik berwenang melakukan penangkapan, penahanan, penggeledahan, dan penyitaan sesuai ketentuan hukum acara pidana. Setiap tindakan upaya paksa harus dilengkapi surat perintah dan dapat diuji melalui praperadilan apabila tersangka merasa haknya dilanggar.",
        "Keadilan restoratif menekankan pemulihan keadaan semula, bukan pembalasan. Pelaku, korban, keluarga, dan masyarakat dipertemukan untuk mencari penyelesaian yang adil, dengan tetap memperhatikan kepentingan korban dan kepastian hukum.",
        "Tindak pidana korupsi merugikan keuangan negara dan menghambat pembangunan. Pencegahan dilakukan melalui perbaikan sistem, transparansi pengadaan, pelaporan harta kekayaan, serta penguatan pengawasan internal di setiap instansi pemerintah.",
    ],
    "hukum-tata-negara": [
        "Undang-Undang Dasar Negara Republik Indonesia Tahun 1945 merupakan hukum dasar tertulis yang menjadi sumber bagi seluruh peraturan perundang-undangan. Hierarki peraturan menentukan bahwa peraturan yang lebih rendah tidak boleh bertentangan dengan peraturan yang lebih tinggi.",
        "Penyusunan peraturan perundang-undangan dimulai dari perencanaan, penyusunan naskah akademik, pembahasan, pengesahan, hingga pengundangan. Partisipasi masyarakat yang bermakna diperlukan agar peraturan yang dihasilkan dapat diterima dan dilaksanakan dengan baik.",
        "Otonomi daerah memberikan kewenangan kepada pemerintah daerah untuk mengatur dan mengurus sendiri urusan pemerintahan menurut asas otonomi dan tugas pembantuan. Pemerintah pusat tetap melakukan pembinaan dan pengawasan atas penyelenggaraan pemerintahan daerah.",
        "Mahkamah Konstitusi berwenang menguji undang-undang terhadap Undang-Undang Dasar, memutus sengketa kewenangan lembaga negara, memutus pembubaran partai politik, dan memutus perselisihan tentang hasil pemilihan umum.",
        "Hukum administrasi negara mengatur hubungan antara pejabat pemerintahan dan warga. Keputusan tata usaha negara harus didasarkan pada kewenangan, prosedur yang benar, dan asas-asas umum pemerintahan yang baik.",
    ],
    "ham": [
        "Hak asasi manusia melekat pada setiap orang sejak lahir dan wajib dihormati, dilindungi, dan dipenuhi oleh negara. Aparatur pemerintah memegang peran penting dalam memastikan setiap kebijakan dan pelayanan tidak melanggar hak asasi manusia.",
        "Prinsip nondiskriminasi menuntut agar setiap orang diperlakukan sama di hadapan hukum tanpa membedakan suku, agama, ras, jenis kelamin, maupun status sosial. Kelompok rentan seperti anak, penyandang disabilitas, dan lanjut usia berhak atas perlakuan khusus.",
        "Indonesia telah meratifikasi berbagai instrumen internasional hak asasi manusia, termasuk kovenan hak sipil dan politik serta kovenan hak ekonomi, sosial, dan budaya. Ratifikasi membawa kewajiban untuk menyesuaikan peraturan nasional dan melaporkan pelaksanaannya.",
        "Pencegahan penyiksaan di tempat penahanan dilakukan melalui pengawasan independen, pelatihan petugas, dan mekanisme pengaduan yang mudah diakses. Setiap tahanan berhak atas perlakuan yang manusiawi dan bermartabat.",
        "Pelayanan publik berbasis hak asasi manusia memastikan fasilitas yang ramah bagi penyandang disabilitas, informasi yang mudah dipahami, serta petugas yang menghormati martabat setiap pengguna layanan.",
    ],
    "pelayanan-publik": [
        "Standar pelayanan memuat persyaratan, prosedur, jangka waktu, biaya, produk layanan, serta mekanisme pengaduan. Standar tersebut wajib dipublikasikan agar masyarakat mengetahui hak dan kewajibannya ketika menerima layanan.",
        "Inovasi pelayanan publik lahir dari kebutuhan masyarakat yang terus berubah. Penyederhanaan prosedur, layanan daring, dan integrasi data antarinstansi terbukti memangkas waktu tunggu dan mengurangi peluang pungutan liar.",
        "Pengaduan masyarakat merupakan umpan balik yang berharga. Setiap pengaduan dicatat, ditindaklanjuti dalam jangka waktu yang ditetapkan, dan hasilnya disampaikan kepada pelapor sebagai wujud akuntabilitas penyelenggara layanan.",
        "Pembangunan zona integritas menuju Wilayah Bebas dari Korupsi dan Wilayah Birokrasi Bersih dan Melayani meliputi manajemen perubahan, penataan tata laksana, penguatan pengawasan, dan peningkatan kualitas pelayanan publik.",
        "Nilai dasar BerAKHLAK, yaitu berorientasi pelayanan, akuntabel, kompeten, harmonis, loyal, adaptif, dan kolaboratif, menjadi pedoman perilaku setiap aparatur sipil negara dalam melayani masyarakat.",
    ],
    "kepemimpinan": [
        "Pemimpin transformasional menginspirasi anggota tim melalui visi yang jelas, teladan perilaku, dan perhatian terhadap pengembangan setiap individu. Kepemimpinan semacam ini mendorong inovasi dan komitmen terhadap tujuan organisasi.",
        "Pengambilan keputusan yang baik dimulai dari perumusan masalah yang tepat, pengumpulan data yang relevan, penilaian alternatif beserta risikonya, hingga pemantauan pelaksanaan keputusan. Keputusan harus dapat dipertanggungjawabkan secara etis maupun hukum.",
        "Mengelola perubahan dalam birokrasi memerlukan komunikasi yang terbuka, keterlibatan pegawai sejak awal, dan dukungan pimpinan yang konsisten. Resistensi terhadap perubahan wajar terjadi dan perlu dikelola dengan empati.",
        "Kerja sama tim yang solid tumbuh dari kepercayaan, pembagian peran yang jelas, dan penghargaan atas kontribusi setiap anggota. Pemimpin berperan menjaga agar perbedaan pendapat menjadi sumber gagasan, bukan konflik.",
        "Wawasan kebangsaan dan nilai-nilai Pancasila menjadi landasan bagi pemimpin aparatur dalam merekatkan keberagaman, menjaga persatuan, dan mengutamakan kepentingan bangsa di atas kepentingan pribadi maupun golongan.",
    ],
    "manajemen-asn": [
        "Sistem merit adalah kebijakan dan manajemen aparatur sipil negara yang berdasarkan kualifikasi, kompetensi, dan kinerja secara adil dan wajar tanpa membedakan latar belakang politik, ras, agama, asal usul, maupun jenis kelamin.",
        "Setiap pegawai negeri sipil berhak atas pengembangan kompetensi paling sedikit dua puluh jam pelajaran dalam satu tahun. Pengembangan kompetensi dapat dilakukan melalui pelatihan klasikal, pembelajaran daring, magang, maupun belajar mandiri.",
        "Penilaian kinerja pegawai dilakukan berdasarkan perencanaan kinerja yang disepakati antara pegawai dan atasan. Hasil penilaian menjadi dasar pemberian penghargaan, pengembangan karier, dan perbaikan kinerja.",
        "Disiplin pegawai mengatur kewajiban dan larangan bagi aparatur sipil negara beserta hukuman disiplin bagi yang melanggarnya. Penegakan disiplin harus dilakukan secara objektif, proporsional, dan melalui prosedur yang benar.",
        "Manajemen talenta mengidentifikasi pegawai berpotensi tinggi, mengembangkan kompetensinya secara terencana, dan menyiapkannya untuk menduduki jabatan kunci sesuai kebutuhan organisasi.",
    ],
    "keimigrasian": [
        "Keimigrasian adalah hal ihwal lalu lintas orang yang masuk atau keluar wilayah Indonesia serta pengawasannya dalam rangka menjaga tegaknya kedaulatan negara. Pejabat imigrasi memeriksa dokumen perjalanan setiap orang di tempat pemeriksaan imigrasi.",
        "Paspor diterbitkan bagi warga negara Indonesia sebagai dokumen perjalanan resmi. Permohonan paspor kini dapat diajukan secara daring dengan jadwal kedatangan yang pasti sehingga antrean di kantor imigrasi berkurang.",
        "Izin tinggal diberikan kepada orang asing sesuai maksud dan tujuan kedatangannya. Pengawasan orang asing dilakukan secara administratif maupun di lapangan, bekerja sama dengan instansi terkait dan masyarakat.",
        "Tindakan administratif keimigrasian dapat berupa pembatasan, pengubahan, atau pembatalan izin tinggal, larangan berada di tempat tertentu, hingga deportasi. Tindak pidana keimigrasian disidik oleh penyidik pegawai negeri sipil keimigrasian.",
        "Penanganan pengungsi dari luar negeri dilakukan dengan memperhatikan prinsip kemanusiaan dan kerja sama internasional, sambil tetap menjaga ketertiban dan keamanan di wilayah tempat penampungan.",
    ],
    "pemasyarakatan": [
        "Sistem pemasyarakatan bertujuan membina warga binaan agar menyadari kesalahannya, memperbaiki diri, dan tidak mengulangi tindak pidana, sehingga dapat diterima kembali oleh masyarakat dan hidup secara wajar sebagai warga yang baik.",
        "Pembimbing kemasyarakatan melakukan penelitian kemasyarakatan, pendampingan, pembimbingan, dan pengawasan terhadap klien pemasyarakatan, termasuk anak yang berhadapan dengan hukum.",
        "Keamanan dan ketertiban di lembaga pemasyarakatan dan rumah tahanan negara dijaga melalui pengelolaan risiko, deteksi dini, penggeledahan rutin, dan pemberantasan peredaran barang terlarang.",
        "Reintegrasi sosial dilakukan melalui program asimilasi, pembebasan bersyarat, dan cuti bersyarat yang melibatkan keluarga serta masyarakat. Keberhasilan reintegrasi diukur dari rendahnya angka pengulangan tindak pidana.",
        "Perawatan kesehatan tahanan dan narapidana merupakan hak yang harus dipenuhi, meliputi pemeriksaan berkala, pengobatan, rujukan ke rumah sakit, serta pencegahan penyakit menular di dalam hunian.",
    ],
    "kekayaan-intelektual": [
        "Kekayaan intelektual melindungi hasil olah pikir manusia, meliputi hak cipta, paten, merek, desain industri, indikasi geografis, rahasia dagang, dan desain tata letak sirkuit terpadu.",
        "Hak cipta timbul secara otomatis setelah suatu ciptaan diwujudkan dalam bentuk nyata. Pencatatan ciptaan tidak wajib, tetapi memudahkan pembuktian apabila terjadi sengketa di kemudian hari.",
        "Merek yang terdaftar memberikan hak eksklusif kepada pemiliknya untuk menggunakan merek tersebut. Indikasi geografis melindungi produk khas daerah yang kualitasnya dipengaruhi oleh faktor alam dan manusia.",
        "Paten diberikan untuk invensi di bidang teknologi yang baru, mengandung langkah inventif, dan dapat diterapkan dalam industri. Desain industri melindungi kreasi tentang bentuk, konfigurasi, atau komposisi garis dan warna.",
        "Usaha mikro, kecil, dan menengah perlu didorong untuk mendaftarkan mereknya sejak awal agar produknya terlindungi dan memiliki nilai tambah ketika dipasarkan.",
    ],
    "administrasi-hukum-umum": [
        "Pendaftaran badan hukum perseroan, yayasan, dan perkumpulan kini dilakukan secara elektronik. Notaris mengajukan permohonan pengesahan melalui sistem administrasi badan hukum dengan data yang lengkap dan benar.",
        "Jaminan fidusia didaftarkan untuk memberikan kepastian hukum kepada kreditur dan debitur. Sertifikat jaminan fidusia memiliki kekuatan eksekutorial yang sama dengan putusan pengadilan yang telah berkekuatan hukum tetap.",
        "Kewarganegaraan Republik Indonesia diperoleh karena kelahiran, pewarganegaraan, atau perkawinan sesuai ketentuan undang-undang. Anak berkewarganegaraan ganda terbatas wajib memilih salah satu kewarganegaraan setelah dewasa.",
        "Bantuan hukum diberikan secara cuma-cuma kepada orang atau kelompok orang miskin melalui organisasi bantuan hukum yang telah terverifikasi dan terakreditasi, agar akses terhadap keadilan dapat dinikmati semua warga.",
        "Penyuluhan hukum meningkatkan kesadaran hukum masyarakat. Penyuluh hukum menyampaikan materi dengan bahasa yang sederhana, memanfaatkan media sosial, dan membentuk keluarga sadar hukum di desa dan kelurahan.",
    ],
    "integritas": [
        "Integritas berarti bertindak secara konsisten sesuai dengan nilai, norma, dan etika organisasi, serta jujur dalam setiap hubungan kerja. Aparatur yang berintegritas menolak segala bentuk gratifikasi yang berkaitan dengan jabatannya.",
        "Benturan kepentingan terjadi ketika kepentingan pribadi dapat mempengaruhi keputusan yang seharusnya diambil secara objektif. Setiap pegawai wajib mengungkapkan potensi benturan kepentingan kepada atasannya.",
        "Sistem pelaporan pelanggaran memberikan saluran yang aman bagi pegawai maupun masyarakat untuk melaporkan dugaan pelanggaran. Kerahasiaan identitas pelapor dijamin dan pelapor dilindungi dari pembalasan.",
        "Pengendalian gratifikasi dilakukan dengan kewajiban melaporkan setiap penerimaan dalam jangka waktu tiga puluh hari kerja. Pelaporan yang tepat waktu membebaskan penerima dari ancaman pidana suap.",
    ],
}
GENERAL_TEXTS = [
    "Aparatur sipil negara dituntut terus belajar agar mampu menjawab tantangan pemerintahan yang semakin kompleks. Membaca buku dan mengikuti pelatihan merupakan cara yang paling mudah untuk memperluas wawasan dan meningkatkan kompetensi.",
    "Pembelajaran yang efektif menggabungkan teori dengan praktik di tempat kerja. Setelah membaca sebuah bab, pegawai dianjurkan mendiskusikan isinya bersama rekan kerja dan menerapkannya dalam tugas sehari-hari.",
    "Kementerian menyediakan perpustakaan digital agar seluruh pegawai, baik di kantor pusat maupun di unit pelaksana teknis di daerah, memiliki kesempatan yang sama untuk mengakses bahan bacaan berkualitas.",
    "Kompetensi teknis, manajerial, dan sosial kultural saling melengkapi. Pegawai yang memahami peraturan dengan baik tetapi kurang mampu berkomunikasi akan kesulitan menyampaikan kebijakan kepada masyarakat.",
    "Setiap bab dalam buku ini diakhiri dengan pertanyaan diskusi dan studi kasus dari pengalaman nyata di lingkungan kementerian, sehingga pembaca dapat menguji pemahamannya secara mandiri.",
    "Perubahan peraturan terjadi dengan cepat. Oleh karena itu pembaca disarankan selalu memeriksa peraturan terbaru melalui jaringan dokumentasi dan informasi hukum sebelum menerapkan materi dalam buku ini.",
]
# fmt: on


def _say(log: Callable[[str], Any] | None, message: str) -> None:
    if log is not None:
        log(message)


def _latin1(text: str) -> str:
    # fpdf2's core fonts are Latin-1; the texts above are written to fit it.
    return text.encode("latin-1", "replace").decode("latin-1")


def book_pdf(title: str, authors: str, category: str, year: int, *, seed: str) -> bytes:
    """A real PDF of 3-20 pages: a title page, then chapters of Indonesian paragraphs."""
    from fpdf import FPDF

    rng = random.Random(seed)  # demo text, not security
    pages = rng.randint(3, 20)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(_latin1(title))
    pdf.set_author(_latin1(authors.replace(";", ",")))
    pdf.set_subject(_latin1(f"Bahan bacaan {dict(CATEGORIES)[category]}"))
    pdf.set_creator("Rumah Belajar (data demo)")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 20, 20)

    pdf.add_page()
    shade = rng.choice([(30, 64, 124), (123, 31, 38), (20, 92, 74), (58, 46, 110), (92, 55, 12)])
    pdf.set_fill_color(*shade)
    pdf.rect(0, 0, 210, 297, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 30)
    pdf.set_xy(20, 70)
    pdf.multi_cell(170, 13, _latin1(title))
    pdf.set_font("Helvetica", "", 16)
    pdf.set_xy(20, 200)
    pdf.multi_cell(170, 8, _latin1(authors.replace(";", ",")))
    pdf.set_xy(20, 260)
    pdf.cell(170, 8, _latin1(f"{PUBLISHER} - {year}"))

    pool = TEXTS[category] + GENERAL_TEXTS
    pdf.set_text_color(20, 20, 20)
    for number in range(1, pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.set_xy(20, 20)
        pdf.cell(170, 10, _latin1(f"Bab {number}. {title}")[:80])
        pdf.set_font("Helvetica", "", 11)
        pdf.set_xy(20, 36)
        for paragraph in rng.sample(pool, 3):
            pdf.multi_cell(170, 6, _latin1(paragraph))
            pdf.ln(4)
        pdf.set_xy(20, 280)
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(170, 6, str(number + 1), align="C")
    return bytes(pdf.output())


def write_demo_pdfs(folder: Path) -> list[Path]:
    """The demo books' PDFs, written to a folder (for the import benchmark and by hand)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for title, authors, category, year in BOOKS:
        path = folder / f"{slugify(title)}.pdf"
        path.write_bytes(book_pdf(title, authors, category, year, seed=slugify(title)))
        paths.append(path)
    return paths


def _competency_tags(index: int, category: str, technical: list[Competency]) -> dict[str, int]:
    codes = CATEGORY_COMPETENCIES.get(category, [])
    tags = {code: 1 + (index + offset) % 4 for offset, code in enumerate(codes)}
    for competency in technical:
        name = competency.name.lower()
        if any(word in name for word in CATEGORY_KEYWORDS.get(category, [])):
            tags[competency.code] = 1 + index % 4
    return tags


def _ensure_categories() -> dict[str, Category]:
    found = {c.slug: c for c in Category.objects.filter(slug__in=[s for s, _ in CATEGORIES])}
    for order, (slug, name) in enumerate(CATEGORIES):
        category = found.get(slug)
        if category is None:
            category = Category.objects.filter(name=name).first() or Category(slug=slug)
        if (category.name, category.slug, category.sort_order) != (name, slug, order):
            category.name, category.slug, category.sort_order = name, slug, order
            category.save()
        found[slug] = category
    return found


def seed(
    *,
    ebooks_extra: int = 0,
    stdout: Any = None,
    ebooks: int | None = None,
    log: Callable[[str], Any] | None = None,
    **_options: Any,
) -> dict[str, int]:
    """Creates what is missing of the demo library; returns counts. `ebooks` is seed_demo's
    `--ebooks N` (the same as `ebooks_extra`)."""
    if ebooks is not None:
        ebooks_extra = ebooks
    if log is None and stdout is not None:
        log = stdout.write
    started = time.monotonic()
    categories = _ensure_categories()
    technical = list(Competency.objects.filter(type=CompetencyType.TEKNIS, is_active=True))
    known = set(Competency.objects.values_list("code", flat=True))
    existing = {
        e.slug: e
        for e in Ebook.objects.filter(slug__in=[slugify(b[0]) for b in BOOKS]).defer(
            "body_text", "search_vector"
        )
    }
    created = refused = 0
    with tempfile.TemporaryDirectory(prefix="rb-demo-ebooks-") as tmp:
        for index, (title, authors, category, year) in enumerate(BOOKS):
            slug = slugify(title)
            tags = {
                code: level
                for code, level in _competency_tags(index, category, technical).items()
                if code in known
            }
            book = existing.get(slug)
            if book is not None:
                services.set_ebook_tags(
                    ebook=book, categories=[categories[category]], competencies=tags
                )
                continue
            path = Path(tmp) / f"{slug}.pdf"
            path.write_bytes(book_pdf(title, authors, category, year, seed=slug))
            outcome = services.import_ebook(
                path_or_file=path,
                title=title,
                authors=authors,
                description=_description(title, category),
                publisher=PUBLISHER,
                year=year,
                slug=slug,
                categories=[categories[category]],
                competencies=tags,
            )
            if outcome.accepted:
                created += 1
            elif outcome.duplicate_of is not None:
                services.set_ebook_tags(
                    ebook=outcome.duplicate_of, categories=[categories[category]], competencies=tags
                )
            else:
                refused += 1
                _say(log, f"ebooks: demo book {slug!r} refused: {outcome.reason}")
    extra = add_extra_ebooks(count=ebooks_extra, log=log) if ebooks_extra else 0
    _say(
        log,
        f"ebooks: {created} demo books created ({len(BOOKS) - created - refused} already there), "
        f"{extra} extra rows added, in {time.monotonic() - started:.1f} s",
    )
    # Demo rows go in partly by raw SQL: make the catalogue render afresh.
    catalogue_cache.bump_version()
    return {"created": created, "refused": refused, "extra": extra}


def _description(title: str, category: str) -> str:
    name = dict(CATEGORIES)[category]
    return (
        f"Buku bacaan tentang {title.lower()} untuk aparatur sipil negara, dari kelompok materi "
        f"{name}. Disertai contoh kasus dan pertanyaan diskusi."
    )


_EXTRA_SQL = """
WITH base AS (
    SELECT row_number() OVER (ORDER BY slug) - 1 AS i, e.*
    FROM ebooks_ebook e WHERE slug = ANY(%(bases)s)
), inserted AS (
    INSERT INTO ebooks_ebook (
        title, slug, authors, publisher, year, language, isbn, description, file, file_format,
        page_count, size_bytes, sha256, cover, body_text, search_vector, rank_vector,
        is_published,
        created_at, updated_at)
    SELECT b.title || ' (Jilid ' || n || ')', %(prefix)s || lpad(n::text, 6, '0'), b.authors,
           b.publisher, b.year, b.language, '', b.description, b.file, b.file_format,
           b.page_count, b.size_bytes,
           encode(sha256(convert_to('rumahbelajar-demo-extra-' || n, 'UTF8')), 'hex'),
           b.cover, b.body_text,
           b.search_vector || setweight(to_tsvector('pg_catalog.simple', 'Jilid ' || n), 'A'),
           b.rank_vector || setweight(to_tsvector('pg_catalog.simple', 'Jilid ' || n), 'A'),
           TRUE, now() - make_interval(mins => n), now()
    FROM generate_series(CAST(%(first)s AS integer), CAST(%(last)s AS integer)) AS n
    JOIN base b ON b.i = n %% %(count)s
    ON CONFLICT DO NOTHING
    RETURNING id, slug
), tagged AS (
    INSERT INTO ebooks_ebookcompetency (ebook_id, competency_id, target_level)
    SELECT ins.id, t.competency_id, t.target_level
    FROM inserted ins
    JOIN base b ON b.i = substr(ins.slug, %(offset)s)::int %% %(count)s
    JOIN ebooks_ebookcompetency t ON t.ebook_id = b.id
    ON CONFLICT DO NOTHING
)
INSERT INTO ebooks_ebook_categories (ebook_id, category_id)
SELECT ins.id, c.category_id
FROM inserted ins
JOIN base b ON b.i = substr(ins.slug, %(offset)s)::int %% %(count)s
JOIN ebooks_ebook_categories c ON c.ebook_id = b.id
ON CONFLICT DO NOTHING
"""


def add_extra_ebooks(*, count: int, log: Callable[[str], Any] | None = None) -> int:
    """Makes sure extra rows demo-extra-000001 … count exist (set-based, EXTRA_CHUNK per
    statement); returns how many were added."""
    bases = list(
        Ebook.objects.filter(slug__in=[slugify(b[0]) for b in BOOKS])
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    if not bases or count <= 0:
        return 0
    before = Ebook.objects.filter(slug__startswith=EXTRA_PREFIX).count()
    for first in range(1, count + 1, EXTRA_CHUNK):
        last = min(first + EXTRA_CHUNK - 1, count)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _EXTRA_SQL,
                {
                    "bases": bases,
                    "count": len(bases),
                    "first": first,
                    "last": last,
                    "prefix": EXTRA_PREFIX,
                    "offset": len(EXTRA_PREFIX) + 1,
                },
            )
        if log is not None:
            log(f"ebooks: extra rows {last}/{count}")
    return Ebook.objects.filter(slug__startswith=EXTRA_PREFIX).count() - before
