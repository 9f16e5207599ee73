//! Bodies in the shapes of the seed's examples, with our own values (valid documents, real towns,
//! CEPs and DDDs that agree): the test suite's fixtures for the spec and the validator.

use serde_json::{Value, json};

/// A PF account opening that passes every rule (our own values, the seed's shape).
pub fn good_pf() -> Value {
    json!({
        "nome": "Ana Beatriz Figueiredo Lins",
        "cpf": "39874215682",
        "dataNascimento": "1987-09-14",
        "rg": "4873120",
        "orgaoEmissor": "SSPPB",
        "renda": 3850.0,
        "sexo": "FEMININO",
        "nomeMae": "Lúcia Figueiredo Lins",
        "idProfissao": 5,
        "enderecoResidencial": {"numero": "812", "cep": "58038000", "complemento": "Apto 1203",
            "logradouro": "Avenida Cabo Branco", "bairro": "Cabo Branco", "localidade": "João Pessoa", "uf": "PB"},
        "enderecoComercial": {"numero": "1500", "cep": "58040000", "logradouro": "Avenida Epitácio Pessoa",
            "bairro": "Tambauzinho", "localidade": "João Pessoa", "uf": "PB",
            "empresa": "Hospital Bom Samaritano", "departamento": "Enfermagem", "cnpj": "42381765006604"},
        "enderecoAlternativo": {"numero": "77", "cep": "58900000", "logradouro": "Rua Coronel José Gomes",
            "bairro": "Centro", "localidade": "Cajazeiras", "uf": "PB", "tipo": "R"},
        "adicionais": [{"nome": "Marcos Lins Teixeira", "cpf": "40192837451", "rg": "5123987",
            "dataNascimento": "1985-02-16", "sexo": "MASCULINO", "grauParentesco": "CONJUGE",
            "nomePersonalizado": "Marcos Teixeira"}],
        "referencias": [{"nome": "Helena Figueiredo Lins", "grauParentesco": "MAE",
            "telefone": {"tipo": "CELULAR", "area": "81", "telefone": "991234567", "receberSMS": false, "faturaDigital": false}}],
        "idLoja": 15,
        "limiteRotativo": 2500,
        "ocupacao": "ASSALARIADO",
        "nacionalidade": "Brasileira",
        "telefones": [
            {"tipo": "CELULAR", "area": "83", "telefone": "988172345", "receberSMS": true, "faturaDigital": true},
            {"tipo": "RESIDENCIAL", "ramal": "12", "area": "83", "telefone": "32451234", "receberSMS": false, "faturaDigital": false}
        ],
        "idProduto": 3
    })
}

pub fn good_pj() -> Value {
    json!({
        "razaoSocial": "Padaria Pão Dourado Ltda.",
        "nomeFantasia": "Pão Dourado",
        "cnpj": "11222333000181",
        "dataAbertura": "2015-06-01",
        "inscricaoEstadual": "ISENTO",
        "email": "financeiro@paodourado.com.br",
        "faturamentoMensal": 85000,
        "enderecoComercial": {"numero": "45", "cep": "13010000", "logradouro": "Rua Barão de Jaguara",
            "bairro": "Centro", "localidade": "Campinas", "uf": "SP"},
        "telefones": [{"tipo": "COMERCIAL", "area": "19", "telefone": "32345678"}],
        "responsavel": {"nome": "Rogério Almeida Prado", "cpf": "71450293832", "dataNascimento": "1972-03-03",
            "sexo": "MASCULINO", "nomeMae": "Cecília Almeida Prado", "cargo": "Sócio-administrador"},
        "adicionais": [{"nome": "Juliana Prado Costa", "cpf": "84501927305", "dataNascimento": "1995-07-21", "sexo": "FEMININO"}],
        "idLoja": 40,
        "idProduto": 5,
        "limiteRotativo": 20000
    })
}

/// A change with the seed's fields (our own values).
pub fn good_patch() -> Value {
    json!({
        "nome": "Ana Beatriz Figueiredo Lins",
        "nomeSocial": "Bia Lins",
        "email": "ana.lins@example.com.br",
        "nacionalidade": "BRASILEIRA",
        "cidadeNatal": "CAMPINA GRANDE",
        "estadoNatal": "PB",
        "enderecoResidencial": {"numero": "812", "cep": "58038000", "complemento": "Apto 1203",
            "logradouro": "Avenida Cabo Branco", "bairro": "Cabo Branco", "localidade": "João Pessoa", "uf": "PB",
            "tempoMoradiaAnos": 3, "tempoMoradiaMeses": 11},
        "enderecoComercial": {"numero": "1500", "cep": "58040000", "logradouro": "Avenida Epitácio Pessoa",
            "bairro": "Tambauzinho", "localidade": "João Pessoa", "uf": "PB",
            "empresa": "Hospital Bom Samaritano", "departamento": "Enfermagem", "cnpj": "42381765006604"},
        "enderecoAlternativo": {"numero": "77", "cep": "58900000", "logradouro": "Rua Coronel José Gomes",
            "bairro": "Centro", "localidade": "Cajazeiras", "uf": "PB", "tipo": "R"},
        "sexo": "FEMININO",
        "nomePai": "Otávio Lins Neto",
        "nomeMae": "Lúcia Figueiredo Lins",
        "idMoradia": 2,
        "idEscolaridade": 7,
        "idOcupacao": 1,
        "renda": {"id": 52256, "valor": 4150.5, "comprovada": true},
        "estadoCivil": "CASADO",
        "rg": {"rg": "4873120", "dataEmissao": "2005-05-16", "orgaoEmissor": "SSP", "unidadeFederativa": "PB"},
        "conjuge": {"nome": "Marcos Lins Teixeira", "sexo": "MASCULINO", "dataNascimento": "1985-02-16",
            "nomeEmpresa": "Construtora Litoral", "idProfissao": 6,
            "telefone": {"tipo": "CELULAR", "area": "83", "telefone": "987001122", "receberSMS": false, "faturaDigital": false},
            "cpf": "40192837451", "escolaridade": "SUPERIOR_COMPLETO",
            "rg": {"rg": "5123987", "dataEmissao": "2003-08-20", "orgaoEmissor": "SSP", "unidadeFederativa": "PB"},
            "salario": 6200},
        "pep": {"cpf": "25091738479", "nome": "Severino Ramos Lins", "justificativa": "Tio, prefeito de município"},
        "estrangeiro": {"paisOrigem": "Portugal", "documentoPaisOrigem": "Cartão de Cidadão"},
        "idProfissao": 5,
        "dataAdmissaoProfissao": "2012-03-01",
        "quantidadeAnosProfissao": 14,
        "portadorNecessidadesVisuais": false,
        "inibirEnvioFaturaGrafica": true,
        "dataNascimento": "1987-09-14"
    })
}
